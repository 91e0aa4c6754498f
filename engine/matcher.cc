#include "engine/matcher.h"

#include "common/helper_pool.h"
#include "common/parallel.h"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <thread>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "engine/feedback.h"
#include "engine/matcher_internal.h"
#include "engine/reference.h"
#include "engine/store.h"
#include "indexer/lexicon.h"
#include "indexer/tokenize.h"

namespace ketnoi::engine {
namespace {

constexpr int kMaxK = 100;

// Field weights of the indexed texts: the need or capability text carries
// the meaning; names and products add context at lower weight.
constexpr float kNameWeight = 0.4f;
constexpr float kTextWeight = 1.0f;
constexpr float kProductsWeight = 0.3f;

// The chain a VSIC code belongs to (longest matching prefix wins).
std::string ChainOfVsic(std::string_view vsic) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"1076", "tea"},      {"1062", "cassava"},    {"1074", "cassava"},   {"1030", "fruit"},
      {"1020", "seafood"},  {"03", "seafood"},      {"13", "textile"},     {"14", "textile"},
      {"24", "mechanical"}, {"25", "mechanical"},   {"28", "mechanical"},  {"1629", "crafts"},
      {"16", "wood"},       {"31", "wood"},         {"23", "crafts"},      {"32", "crafts"},
  };
  std::string best;
  size_t best_len = 0;
  for (const auto& [prefix, chain] : kMap) {
    if (vsic.substr(0, prefix.size()) == prefix && prefix.size() > best_len) {
      best = chain;
      best_len = prefix.size();
    }
  }
  return best;
}

// The chain most of the text's concepts belong to ("" when none); a
// concept named votes 2, a broader one 1; a metal named beside a machine
// does not vote (ChainEvidence).
std::string ChainOfAnalysis(const indexer::Analysis& a, const indexer::Lexicon* lexicon) {
  std::unordered_map<std::string, int> votes;
  const std::vector<bool> evidence = ChainEvidence(a, lexicon);
  for (size_t i = 0; i < a.concepts.size(); ++i) {
    if (!evidence[i]) continue;
    const indexer::ConceptHit& c = a.concepts[i];
    std::string ch = ChainOfConcept(c.concept_id);
    if (!ch.empty()) votes[ch] += c.broader ? 1 : 2;
  }
  std::string best;
  int best_votes = 0;
  for (const auto& [ch, v] : votes) {
    if (v > best_votes || (v == best_votes && ch < best)) {
      best = ch;
      best_votes = v;
    }
  }
  return best;
}

std::string ChainFromExtra(const std::string& extra_json) {
  if (extra_json.size() < 3) return "";
  nlohmann::json j = nlohmann::json::parse(extra_json, nullptr, false);
  if (!j.is_object()) return "";
  auto it = j.find("chain");
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

void SetPlace(const ReferenceData& ref, const std::string& written, const std::string& id,
              MatchSide* side, std::string* region) {
  side->province_id = id;
  if (const Province* p = ref.ProvinceById(id)) {
    side->province_name = p->name;
    side->province_name_en = p->name_en;
    side->lat = p->lat;
    side->lon = p->lon;
    side->has_place = true;
    *region = p->region;
  }
  if (!written.empty()) {
    auto place = ref.ResolveProvince(written);
    if (place.ok()) {  // the old province's centroid is closer to the truth
      side->lat = place->lat;
      side->lon = place->lon;
    }
  }
}

std::vector<indexer::TextField> NeedFields(const std::string& text, const std::string& products) {
  std::vector<indexer::TextField> f{{text, kTextWeight}};
  if (!products.empty()) f.push_back({products, kProductsWeight});
  return f;
}

}  // namespace

indexer::Analysis TrimForRanking(indexer::Analysis a) {
  std::vector<indexer::Feature> kept;
  for (auto& f : a.features) {
    if (f.kind == indexer::FeatureKind::kAccented) kept.push_back(std::move(f));
  }
  a.features = std::move(kept);
  a.accented.clear();
  a.folded.clear();
  return a;
}

std::string_view TargetKindName(TargetKind k) {
  return k == TargetKind::kSupplier ? "supplier" : "expert";
}

bool ParseTargetKind(std::string_view s, TargetKind* out) {
  if (s == "supplier") { *out = TargetKind::kSupplier; return true; }
  if (s == "expert") { *out = TargetKind::kExpert; return true; }
  return false;
}

// ---------------------------------------------------------------- parties

namespace matcher_detail {

std::shared_ptr<Party> SupplierParty(const Matcher::Impl& impl, const Supplier& s) {
  auto p = std::make_shared<Party>();
  p->text = s.name + ". " + s.text;
  p->analysis = TrimForRanking(impl.analyzer->Analyze(s.name + ". " + s.text));
  p->side.id = s.id;
  p->side.name = s.name;
  SetPlace(*impl.reference, s.province, s.province_id, &p->side, &p->region);
  p->side.serves_ids = s.serves_ids;
  p->side.nationwide = s.nationwide;
  p->side.declares_service_area = s.nationwide || !s.serves_ids.empty();
  p->side.lang = s.lang;
  p->side.chain = ChainOfAnalysis(p->analysis, impl.options.lexicon);
  p->side.analysis = &p->analysis;
  p->keys = RankKeys::Of(p->analysis, impl.options.lexicon);
  p->side.keys = &p->keys;
  return p;
}

std::shared_ptr<Party> ExpertParty(const Matcher::Impl& impl, const Expert& e) {
  auto p = std::make_shared<Party>();
  p->text = e.name + ". " + e.text;
  p->analysis = TrimForRanking(impl.analyzer->Analyze(p->text));
  p->side.id = e.id;
  p->side.name = e.name;
  SetPlace(*impl.reference, e.province, e.province_id, &p->side, &p->region);
  // An expert has no service-area field; one that writes it works anywhere
  // is nationwide (GeographyValue, the serves-my-province filter).
  p->side.nationwide = TextSaysNationwide(e.text);
  // The provinces it lists as where it works ("Nhận hỗ trợ tại A, B và C").
  p->side.serves_ids = ProvincesListedAsServed(*impl.reference, e.text);
  p->side.chain = ChainOfAnalysis(p->analysis, impl.options.lexicon);
  p->side.analysis = &p->analysis;
  p->keys = RankKeys::Of(p->analysis, impl.options.lexicon);
  p->side.keys = &p->keys;
  return p;
}

std::shared_ptr<Party> NeedParty(const Matcher::Impl& impl, const Facility& f, const Need& n) {
  auto p = std::make_shared<Party>();
  p->text = n.text;
  p->analysis = TrimForRanking(impl.analyzer->Analyze(n.text));
  p->side.id = n.id;
  p->side.name = f.name;
  SetPlace(*impl.reference, f.province, f.province_id, &p->side, &p->region);
  p->side.budget_vnd = n.budget_vnd;
  p->side.chain = ChainFromExtra(f.extra_json);
  if (p->side.chain.empty()) p->side.chain = ChainOfVsic(f.sector_vsic);
  if (p->side.chain.empty()) p->side.chain = ChainOfAnalysis(p->analysis, impl.options.lexicon);
  p->side.analysis = &p->analysis;
  p->keys = RankKeys::Of(p->analysis, impl.options.lexicon);
  p->side.keys = &p->keys;
  p->facility_id = f.id;
  p->need_id = n.id;
  p->need_kind = n.kind;
  return p;
}

}  // namespace matcher_detail

uint16_t PartyTable::Intern(std::unordered_map<std::string, uint16_t>* m, const std::string& s) {
  auto it = m->find(s);
  if (it != m->end()) return it->second;
  // Past 65,534 distinct strings the rest share no code: compared as
  // strings by the filter (never the case for provinces, regions, chains
  // and languages).
  if (m->size() >= kNoCode) return kNoCode;
  const uint16_t code = static_cast<uint16_t>(m->size());
  m->emplace(s, code);
  return code;
}

void PartyTable::Put(int64_t n, std::shared_ptr<const Party> party) {
  if (n < 0 || party == nullptr) return;
  const size_t i = static_cast<size_t>(n);
  if (parties_.size() <= i) {
    parties_.resize(i + 1);
    attrs_.resize(i + 1);
  }
  if (!parties_[i]) ++count_;
  Attrs a;
  a.alive = true;
  const MatchSide& side = party->side;
  auto serve = [&](const std::string& province) {
    const uint16_t code = Intern(&provinces_, province);
    if (code < kMaskBits) {
      a.serves[code / 64] |= uint64_t{1} << (code % 64);
    } else {
      a.slow = true;
    }
  };
  serve(side.province_id);
  for (const std::string& p : side.serves_ids) serve(p);
  a.nationwide = side.nationwide;
  a.region = Intern(&words_, party->region);
  a.chain = Intern(&words_, side.chain);
  a.lang = Intern(&words_, side.lang);
  if (a.region == kNoCode || a.chain == kNoCode || a.lang == kNoCode) a.slow = true;
  if (side.budget_vnd) {
    a.has_budget = true;
    a.budget_vnd = *side.budget_vnd;
  }
  parties_[i] = std::move(party);
  attrs_[i] = a;
}

size_t PartyTable::CountRecognized() const {
  size_t n = 0;
  for (const auto& p : parties_) n += p && p->keys.recognized >= kRecognizedForFullWeight;
  return n;
}

bool PartyTable::Erase(int64_t n) {
  if (!Has(n)) return false;
  parties_[static_cast<size_t>(n)].reset();
  attrs_[static_cast<size_t>(n)] = Attrs{};
  --count_;
  return true;
}

namespace matcher_detail {

ParallelParties::ParallelParties(PartyTable* out, size_t max_threads)
    : out_(out), threads_(max_threads) {}

void ParallelParties::Add(int64_t n, std::function<std::shared_ptr<Party>()> make) {
  jobs_.emplace_back(n, std::move(make));
  if (jobs_.size() >= 4096) Flush();
}

void ParallelParties::Flush() {
  if (jobs_.empty()) return;
  std::vector<std::shared_ptr<Party>> made(jobs_.size());
  ParallelFor(jobs_.size(), threads_, [&](size_t i) { made[i] = jobs_[i].second(); });
  for (size_t i = 0; i < jobs_.size(); ++i) out_->Put(jobs_[i].first, std::move(made[i]));
  jobs_.clear();
}

Status ForCollectionsInParallel(const std::function<Status(int)>& fn) {
  static constexpr int kOrder[] = {2, 0, 3, 1};  // by usual size
  Status errors[4];
  ParallelFor(4, 2, [&](size_t i) { errors[i] = fn(kOrder[i]); });
  for (const Status& s : errors) {
    if (!s.ok()) return s;
  }
  return Status::OK();
}

indexer::Document CandidateDocument(int64_t id, const std::string& name, const std::string& text,
                                    const std::vector<float>& vector) {
  indexer::Document d;
  d.id = id;
  d.fields = {{name, kNameWeight}, {text, kTextWeight}};
  d.vector = vector;
  return d;
}

indexer::Document NeedDocument(int64_t id, const Need& n, const Facility& f) {
  indexer::Document d;
  d.id = id;
  d.fields = NeedFields(n.text, f.products);
  return d;
}

}  // namespace matcher_detail

using namespace matcher_detail;

// ---------------------------------------------------------------- open

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
void StopListFill(Matcher::Impl* impl);  // matcher_lists.cc

Matcher::~Matcher() { StopListFill(impl_.get()); }

namespace {

indexer::RetrieverOptions RetrieverOptionsFor(const MatcherOptions& o) {
  indexer::RetrieverOptions r;
  r.lsa.dim = o.dim;
  r.dense_candidates = o.dense_candidates;
  r.sparse_candidates = o.candidates;
  r.sparse_posting_budget = o.sparse_posting_budget;
  r.sparse_budget_growth_docs = o.sparse_budget_growth_docs;
  return r;
}

}  // namespace

Status BuildCollections(Matcher::Impl* impl);  // matcher_lists.cc
Status LoadOrBuildCollections(Matcher::Impl* impl,
                              const indexer::RetrieverOptions& options);  // matcher_persist.cc
bool ListsAreStale(Matcher::Impl* impl);        // matcher_lists.cc
Status BackfillListHeads(Matcher::Impl* impl);  // matcher_lists.cc
void StartListFill(Matcher* m, Matcher::Impl* impl, bool background);  // matcher_lists.cc

StatusOr<std::unique_ptr<Matcher>> Matcher::Open(MatcherOptions options) {
  if (options.store == nullptr) return InvalidArgument("MatcherOptions.store is required");
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  for (PreparedNeeds& p : impl->prepared) p.set_capacity(impl->options.prepared_needs);
  impl->reference = &impl->options.store->reference();
  impl->analyzer = std::make_unique<indexer::Analyzer>(impl->options.lexicon);
  impl->live_gate = std::make_unique<FifoGate>(impl->options.live_rankings);
  impl->ranker = std::make_unique<Ranker>(impl->options.weights, impl->options.lexicon);
  auto start = std::chrono::steady_clock::now();
  for (Collection* c : {&impl->suppliers, &impl->experts, &impl->needs[0], &impl->needs[1]}) {
    c->retriever = std::make_unique<indexer::Retriever>(impl->analyzer.get(),
                                                        RetrieverOptionsFor(impl->options));
  }
  Status s = impl->options.index_dir.empty()
                 ? BuildCollections(impl.get())
                 : LoadOrBuildCollections(impl.get(), RetrieverOptionsFor(impl->options));
  if (!s.ok()) return s;
  impl->build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::unique_ptr<Matcher> m(new Matcher(std::move(impl)));
  s = BackfillListHeads(m->impl_.get());
  if (!s.ok()) return s;
  if (ListsAreStale(m->impl_.get())) {
    switch (m->impl_->options.stale_lists) {
      case StaleLists::kNow:
        s = m->RefreshAll();
        if (!s.ok()) return s;
        break;
      case StaleLists::kBackground:
      case StaleLists::kOnRead:
        StartListFill(m.get(), m->impl_.get(),
                      m->impl_->options.stale_lists == StaleLists::kBackground);
        break;
    }
  }
  return m;
}

// ---------------------------------------------------------------- ranking

namespace {

// Start loading a candidate's party record, and then the arrays the ranker
// reads of it (rank keys, parsed quantities: each a heap array of its own,
// a cache miss apiece), a candidate or two before it is scored.
void PrefetchParty(const Party& p) {
  const char* b = reinterpret_cast<const char*>(&p);
  for (size_t line = 0; line < sizeof(Party); line += 64) __builtin_prefetch(b + line);
}

void PrefetchRankInputs(const Party& p) {
  __builtin_prefetch(p.keys.concepts.data());
  __builtin_prefetch(p.keys.accented.data());
  __builtin_prefetch(p.keys.span_words.data());
  __builtin_prefetch(p.keys.chains.data());
  __builtin_prefetch(p.analysis.quantities.data());
}

}  // namespace

namespace matcher_detail {

// Filters resolved once per request.
struct ResolvedFilters {
  std::unordered_set<std::string> provinces;
  std::string region;
  std::string chain;
  std::optional<int64_t> budget_min, budget_max;
  std::string lang;
  bool serves_my_province = false;
  std::unordered_set<std::string> exclude;
  double min_score = 0;
};

StatusOr<ResolvedFilters> ResolveFilters(const Matcher::Impl& impl, const MatchFilters& f) {
  ResolvedFilters r;
  for (const auto& p : f.provinces) {
    auto place = impl.reference->ResolveProvince(p);
    if (!place.ok()) return InvalidArgument("filter 'province': " + place.status().message());
    r.provinces.insert(place->province->id);
  }
  if (!f.region.empty()) {
    bool known = false;
    for (const auto& p : impl.reference->Provinces()) known |= p.region == f.region;
    if (!known) return InvalidArgument("filter 'region': unknown region '" + f.region + "'");
    r.region = f.region;
  }
  if (!f.sector.empty()) {
    auto sector = impl.reference->ResolveSector(f.sector);
    std::string chain;
    if (sector.ok()) chain = ChainOfVsic((*sector)->vsic);
    static const char* kChains[] = {"tea", "cassava", "fruit", "textile",
                                    "mechanical", "wood", "crafts", "seafood"};
    for (const char* c : kChains) {
      if (f.sector == c) chain = c;
    }
    if (chain.empty()) {
      return InvalidArgument("filter 'sector': '" + f.sector +
                             "' names no value chain (tea, cassava, fruit, textile, mechanical, "
                             "wood, crafts, seafood)");
    }
    r.chain = chain;
  }
  if (!f.lang.empty() && f.lang != "vi" && f.lang != "en") {
    return InvalidArgument("filter 'lang': expected 'vi' or 'en', got '" + f.lang + "'");
  }
  r.lang = f.lang;
  if (f.budget_min && f.budget_max && *f.budget_min > *f.budget_max) {
    return InvalidArgument("filter 'budget_min' is larger than 'budget_max'");
  }
  r.budget_min = f.budget_min;
  r.budget_max = f.budget_max;
  r.serves_my_province = f.serves_my_province;
  r.exclude.insert(f.exclude_ids.begin(), f.exclude_ids.end());
  r.min_score = f.min_score.value_or(impl.options.default_min_score);
  return r;
}

// True when the filters can exclude a candidate.
bool Restricts(const ResolvedFilters& f) {
  return !f.provinces.empty() || !f.region.empty() || !f.chain.empty() || f.budget_min ||
         f.budget_max || !f.lang.empty() || f.serves_my_province || !f.exclude.empty();
}

bool Serves(const MatchSide& cand, const std::string& province_id) {
  if (cand.province_id == province_id || cand.nationwide) return true;
  return std::find(cand.serves_ids.begin(), cand.serves_ids.end(), province_id) !=
         cand.serves_ids.end();
}

// The candidate-side filter pushed down into the retriever: the filter's
// strings are coded once, then each id is answered from the table's compact
// attributes (PartyTable::Attrs); the party itself is read only for a
// province the attribute masks cannot hold.
class PartyFilter : public indexer::IdFilter {
 public:
  PartyFilter(const Collection& c, const ResolvedFilters& f, const MatchSide* need)
      : c_(c), f_(f) {
    const PartyTable& t = c.parties;
    for (const auto& id : f.exclude) {
      const int64_t n = c.ids.Find(id);
      if (n >= 0) exclude_.insert(n);
    }
    for (const auto& prov : f.provinces) provinces_.push_back({&prov, t.ProvinceCode(prov)});
    if (f.serves_my_province && need != nullptr && !need->province_id.empty()) {
      mine_ = {&need->province_id, t.ProvinceCode(need->province_id)};
    }
    region_ = f.region.empty() ? kAny : t.WordCode(f.region);
    lang_ = f.lang.empty() ? kAny : t.WordCode(f.lang);
    chain_ = f.chain.empty() ? kAny : t.WordCode(f.chain);
  }
  bool Allows(int64_t id) const override {
    const PartyTable::Attrs* a = c_.parties.AttrsOf(id);
    if (a == nullptr) return false;
    if (!exclude_.empty() && exclude_.count(id)) return false;
    if (a->slow) return AllowsParty(*c_.parties.Find(id));
    if (!provinces_.empty()) {
      bool any = false;
      for (const auto& prov : provinces_) any = any || ServesCoded(*a, prov);
      if (!any) return false;
    }
    // A filter string no party has is kNoCode, which no party's code equals.
    if (region_ != kAny && a->region != region_) return false;
    if (lang_ != kAny && a->lang != lang_) return false;
    if (chain_ != kAny && a->chain != chain_) return false;
    if (mine_.id != nullptr && !ServesCoded(*a, mine_)) return false;
    return BudgetFits(a->has_budget, a->budget_vnd);
  }

 private:
  static constexpr uint32_t kAny = 0x10000;  // not filtered
  struct Province {
    const std::string* id = nullptr;
    uint16_t code = PartyTable::kNoCode;
  };
  // REQUIRES: !a.slow (every province of the party has its bit).
  static bool ServesCoded(const PartyTable::Attrs& a, const Province& p) {
    if (a.nationwide) return true;
    return p.code < PartyTable::kMaskBits && (a.serves[p.code / 64] >> (p.code % 64) & 1);
  }
  bool BudgetFits(bool has, int64_t budget) const {
    if (!f_.budget_min && !f_.budget_max) return true;
    if (!has) return false;  // leads: the need's budget
    if (f_.budget_min && budget < *f_.budget_min) return false;
    if (f_.budget_max && budget > *f_.budget_max) return false;
    return true;
  }
  // The same rules on the party's own strings.
  bool AllowsParty(const Party& p) const {
    if (!f_.provinces.empty()) {
      bool any = false;
      for (const auto& prov : f_.provinces) any = any || Serves(p.side, prov);
      if (!any) return false;
    }
    if (!f_.region.empty() && p.region != f_.region) return false;
    if (!f_.lang.empty() && p.side.lang != f_.lang) return false;
    if (!f_.chain.empty() && p.side.chain != f_.chain) return false;
    if (mine_.id != nullptr && !Serves(p.side, *mine_.id)) return false;
    return BudgetFits(p.side.budget_vnd.has_value(), p.side.budget_vnd.value_or(0));
  }

  const Collection& c_;
  const ResolvedFilters& f_;
  std::unordered_set<int64_t> exclude_;
  std::vector<Province> provinces_;
  Province mine_;
  uint32_t region_ = kAny, lang_ = kAny, chain_ = kAny;
};


std::unordered_map<std::string, double> FeedbackFor(const Matcher::Impl& impl,
                                                    const std::string& need_id) {
  std::unordered_map<std::string, double> out;
  if (need_id.empty()) return out;
  FeedbackStore fs(impl.options.store);
  auto all = fs.ForNeed(need_id);
  if (!all.ok()) return out;
  for (const auto& fb : *all) out[fb.candidate_id] = VerdictValue(fb.verdict);
  return out;
}

// The kinds of matched terms ReadableTerms reads.
const std::vector<indexer::FeatureKind> kReadableKinds = {
    indexer::FeatureKind::kSyllable, indexer::FeatureKind::kAccented,
    indexer::FeatureKind::kBigram, indexer::FeatureKind::kCode};

// The matched words a person can read in a reason: model codes first, upper
// case ("LRE30453": the strongest reason a catalogue match has; a code whose
// longer form is also matched is named once), then syllable bigrams ("may
// say"), accented syllables and plain words; no other numbers, no function
// words, at most four.
std::vector<std::string> ReadableTerms(const std::vector<indexer::MatchedTerm>& terms) {
  std::vector<std::string> out;
  std::vector<std::string> codes;
  for (const auto& t : terms) {
    if (t.term.size() > 2 && t.term[0] == 'c' && t.term[1] == ':') {
      std::string code = t.term.substr(2);
      for (char& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      codes.push_back(std::move(code));
    }
  }
  std::stable_sort(codes.begin(), codes.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (std::string& code : codes) {
    if (out.size() >= 2) break;
    bool dup = false;
    for (const auto& o : out) dup = dup || o.find(code) != std::string::npos;
    if (!dup) out.push_back(std::move(code));
  }
  // Words every text of the domain uses: true but no reason to call anyone.
  static const std::unordered_set<std::string_view> kGeneric = {
      "trieu", "triệu", "dong", "đồng", "ty", "tỷ", "can", "cần", "tu_van", "tư vấn", "ho_so",
      "san_pham", "cong_ty", "co_so", "ho_tro", "khoang", "thiet_bi", "may", "máy", "cung_cap",
      "san_xuat", "sản", "xuất", "gia", "giá", "ngan_sach", "hop_tac", "htx", "tnhh"};
  auto usable = [](std::string_view w) {
    if (w.size() < 2 || kGeneric.count(w)) return false;
    if (w.find_first_of("0123456789") != std::string_view::npos) return false;
    size_t start = 0;
    while (start <= w.size()) {
      size_t end = w.find('_', start);
      if (end == std::string_view::npos) end = w.size();
      if (indexer::IsStopword(w.substr(start, end - start))) return false;
      start = end + 1;
    }
    return true;
  };
  for (char kind : {'b', 'a', 's'}) {
    for (const auto& t : terms) {
      if (out.size() >= 4) return out;
      if (t.term.size() < 3 || t.term[0] != kind || t.term[1] != ':') continue;
      std::string_view w = std::string_view(t.term).substr(2);
      if (!usable(w)) continue;
      if (kind == 's' && w.size() < 4) continue;  // short folded syllables are ambiguous
      std::string word(w);
      std::replace(word.begin(), word.end(), '_', ' ');
      bool dup = false;
      for (const auto& o : out) dup = dup || o.find(word) != std::string::npos;
      if (!dup) out.push_back(std::move(word));
    }
  }
  return out;
}

// Writes the reasons again from the explanation's own values and matched
// words (for a pair whose concepts named nothing, or in another direction).
// Only the reasons are kept: `again`'s values are not the pair's (the
// semantic value read back is already scaled by the need's recognised share
// and is scaled once more), and the reasons do not read them.
void Reword(const Matcher::Impl& impl, const Party& need, const Party& cand, Direction dir,
            Explanation* e) {
  PairEvidence ev;
  ev.dense = e->values[static_cast<int>(RankFeature::kSemantic)];
  ev.sparse = e->values[static_cast<int>(RankFeature::kLexical)];
  ev.sparse_max = 1;
  ev.chain_fit = e->values[static_cast<int>(RankFeature::kChain)];
  ev.chain_path = e->chain_path;
  ev.feedback = e->values[static_cast<int>(RankFeature::kFeedback)];
  for (const auto& w : e->matched_terms) ev.matched_terms.push_back("s:" + w);
  Explanation again = impl.ranker->Score(need.side, cand.side, ev, dir);
  e->reason_vi = again.reason_vi;
  e->reason_en = again.reason_en;
}

double LexicalNormaliser(const Matcher::Impl& impl, const std::vector<indexer::Candidate>& found,
                         const indexer::QueryStats& stats) {
  if (impl.options.lexical_norm == LexicalNorm::kQuery) return stats.sparse_reference;
  double best = 0;
  for (const auto& c : found) best = std::max<double>(best, c.sparse);
  return best;
}

struct Scored {
  const Party* party = nullptr;
  int64_t id = 0;
  Explanation e;
};

// Ranks `targets` for `need` (the need party). For leads, `need_is_query` is
// false: `query_party` is the supplier/expert and the collection holds needs.
// REQUIRES: impl.mu held (shared).
StatusOr<std::vector<MatchItem>> Rank(const Matcher::Impl& impl, const Party& query_party,
                                      const Collection& targets, bool lead_direction,
                                      TargetKind kind, const ResolvedFilters& filters, size_t k,
                                      const std::unordered_map<std::string, double>& feedback,
                                      double* sparse_max_out = nullptr) {
  if (!targets.built) return std::vector<MatchItem>{};
  // Parts of this ranking go to idle cores only while no other request
  // keeps them busy.
  HelperPool::Request busy(HelperPool::Shared());
  PartyFilter filter(targets, filters, lead_direction ? nullptr : &query_party.side);
  indexer::Query q;
  q.fields = {{query_party.text, kQueryTextWeight}};
  q.k = impl.options.candidates;
  // Without a restriction the filter would only re-check membership, which
  // the scoring loop does anyway: the retriever then runs unfiltered.
  q.filter = Restricts(filters) ? &filter : nullptr;
  // The query analysed, looked up and embedded once for the search and the
  // evidence of the kept results; a stored need's from the cache the
  // refreshes share (the same text gives the same prepared query).
  auto prepare = [&]() -> StatusOr<std::shared_ptr<const indexer::PreparedQuery>> {
    if (!lead_direction && !query_party.need_id.empty()) {
      return impl.prepared[kind == TargetKind::kSupplier ? 0 : 1].Get(
          *targets.retriever, query_party.need_id, q, query_party.text);
    }
    auto typed = targets.retriever->Prepare(q);
    if (!typed.ok()) return typed.status();
    return std::make_shared<const indexer::PreparedQuery>(std::move(typed).value());
  };
  // A collection that doubled is rebuilt outside impl.mu (RebuildCollection):
  // a query prepared just before is then refused as stale, and prepared
  // again.
  std::shared_ptr<const indexer::PreparedQuery> prepared;
  indexer::QueryStats stats;
  StatusOr<std::vector<indexer::Candidate>> found = std::vector<indexer::Candidate>{};
  for (int attempt = 0;; ++attempt) {
    auto got = prepare();
    if (!got.ok()) return got.status();
    prepared = std::move(got).value();
    found = targets.retriever->Search(*prepared, q, &stats);
    if (found.ok() || found.status().code() != StatusCode::kFailedPrecondition || attempt == 2) {
      break;
    }
  }
  if (!found.ok()) return found.status();
  const double sparse_max = LexicalNormaliser(impl, *found, stats);
  if (sparse_max_out) *sparse_max_out = sparse_max;
  Direction dir = lead_direction ? Direction::kLead
                  : kind == TargetKind::kSupplier ? Direction::kNeedToSupplier
                                                  : Direction::kNeedToExpert;
  // Each candidate scored on its own (reasons are written below for the
  // kept results only); many candidates in parts on the helper threads.
  std::vector<Scored> all(found->size());
  HelperPool& pool = HelperPool::Shared();
  const size_t parts = pool.Parts(found->size() / 32);
  // Chain fits of a need's candidates in one graph call per part.
  const bool batch_fit = !lead_direction && impl.options.chain_fit_scores &&
                         !query_party.facility_id.empty();
  pool.Run(parts, [&](size_t part) {
    const size_t begin = found->size() * part / parts, end = found->size() * (part + 1) / parts;
    std::vector<const Party*> others(end - begin);
    std::vector<std::string_view> ids;
    for (size_t i = begin; i < end; ++i) {
      others[i - begin] = targets.parties.Find((*found)[i].id);
      if (others[i - begin] != nullptr) ids.push_back(others[i - begin]->side.id);
    }
    std::vector<double> fits(batch_fit ? ids.size() : 0);
    if (batch_fit) {
      // Each candidate's graph vertex from its last chain fit, saving the
      // graph's id lookups; the graph checks them and returns the right ones.
      // (Written back only when changed: the parties are shared by every
      // ranking, and an unchanged store would still take their cache lines.)
      std::vector<uint32_t> hints;
      hints.reserve(ids.size());
      for (const Party* p : others) {
        if (p != nullptr) hints.push_back(p->graph_vertex.load(std::memory_order_relaxed));
      }
      impl.options.chain_fit_scores(query_party.facility_id, ids, fits.data(), hints.data());
      size_t j = 0;
      for (const Party* p : others) {
        if (p == nullptr) continue;
        if (p->graph_vertex.load(std::memory_order_relaxed) != hints[j]) {
          p->graph_vertex.store(hints[j], std::memory_order_relaxed);
        }
        ++j;
      }
    }
    size_t fit = 0;
    for (size_t i = begin; i < end; ++i) {
      const indexer::Candidate& c = (*found)[i];
      const Party* other = others[i - begin];
      if (i + 2 < end && others[i + 2 - begin] != nullptr) PrefetchParty(*others[i + 2 - begin]);
      if (i + 1 < end && others[i + 1 - begin] != nullptr) PrefetchRankInputs(*others[i + 1 - begin]);
      if (other == nullptr) continue;
      all[i] = {other, c.id,
                ScorePair(impl, query_party, *other, lead_direction, kind, c.dense, c.sparse,
                          sparse_max, feedback, batch_fit ? &fits[fit++] : nullptr)};
    }
  });
  std::vector<Scored> scored;
  scored.reserve(all.size());
  for (Scored& s : all) {
    if (s.party == nullptr || s.e.score < filters.min_score) continue;
    scored.push_back(std::move(s));
  }
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    if (a.e.score != b.e.score) return a.e.score > b.e.score;
    return a.party->side.id < b.party->side.id;
  });
  if (scored.size() > k) scored.resize(k);
  std::vector<MatchItem> items;
  items.reserve(scored.size());
  // The lexical evidence is looked up for the kept results only.
  std::vector<int64_t> kept_ids;
  kept_ids.reserve(scored.size());
  for (const auto& s : scored) kept_ids.push_back(s.id);
  auto evidence = targets.retriever->Explain(*prepared, kept_ids, kReadableKinds);
  if (!evidence.ok() && evidence.status().code() == StatusCode::kFailedPrecondition) {
    evidence = targets.retriever->Explain(q, kept_ids);  // rebuilt since the search
  }
  if (!evidence.ok()) return evidence.status();
  for (size_t i = 0; i < scored.size(); ++i) {
    items.push_back(FinishItem(impl, query_party, *scored[i].party, lead_direction, dir,
                               std::move(scored[i].e), (*evidence)[i]));
  }
  return items;
}

Explanation ScorePair(const Matcher::Impl& impl, const Party& query_party, const Party& other,
                      bool lead_direction, TargetKind kind, double dense, double sparse,
                      double sparse_max, const std::unordered_map<std::string, double>& feedback,
                      const double* chain_fit) {
  const Party& need = lead_direction ? other : query_party;
  const Party& cand = lead_direction ? query_party : other;
  PairEvidence ev;
  ev.dense = dense;
  ev.sparse = sparse;
  ev.sparse_max = sparse_max;
  ev.saturate_lexical = impl.options.lexical_norm == LexicalNorm::kQuery;
  ev.market = impl.Targets(kind).market;
  if (!feedback.empty()) {
    auto fb = feedback.find(lead_direction ? need.side.id : cand.side.id);
    if (fb != feedback.end()) ev.feedback = fb->second;
  }
  if (chain_fit != nullptr) {
    ev.chain_fit = *chain_fit;
  } else if (impl.options.chain_fit && !need.facility_id.empty()) {
    ev.chain_fit = impl.options.chain_fit(need.facility_id, cand.side.id, false).score;
  }
  return impl.ranker->ScoreFeatures(need.side, cand.side, ev, /*notes=*/false);
}

MatchItem FinishItem(const Matcher::Impl& impl, const Party& query_party, const Party& other,
                     bool lead_direction, Direction dir, Explanation e,
                     const std::vector<indexer::MatchedTerm>& evidence) {
  const Party& need = lead_direction ? other : query_party;
  const Party& cand = lead_direction ? query_party : other;
  // The chain path is worded for kept pairs only (ScorePair scored without it).
  if (impl.options.chain_fit && !need.facility_id.empty() &&
      e.values[static_cast<int>(RankFeature::kChain)] > 0) {
    e.chain_path = impl.options.chain_fit(need.facility_id, cand.side.id, true).path;
  }
  impl.ranker->Notes(need.side, cand.side, &e);
  impl.ranker->Reason(need.side, cand.side, dir, &e);
  e.matched_terms = ReadableTerms(evidence);
  if (e.matched_concepts.empty() && !e.matched_terms.empty()) Reword(impl, need, cand, dir, &e);
  MatchItem item;
  item.id = other.side.id;
  item.name = other.side.name;
  item.province_id = other.side.province_id;
  item.explanation = std::move(e);
  return item;
}

// REQUIRES: impl.mu held (shared). Null when unknown.
const Party* FindNeed(const Matcher::Impl& impl, const std::string& need_id) {
  for (const Collection& c : impl.needs) {
    int64_t n = c.ids.Find(need_id);
    if (n < 0) continue;
    if (const Party* p = c.parties.Find(n)) return p;
  }
  return nullptr;
}

// The reason a supplier or expert reads on its lead list ("Cơ sở X cần ...").
// REQUIRES: impl.mu held (shared).
void LeadReason(const Matcher::Impl& impl, const Party& need, const MatchItem& item,
                TargetKind kind, std::string* vi, std::string* en) {
  const Collection& c = impl.Targets(kind);
  int64_t n = c.ids.Find(item.id);
  const Party* cand = c.parties.Find(n);
  if (cand == nullptr) {
    *vi = item.explanation.reason_vi;
    *en = item.explanation.reason_en;
    return;
  }
  Explanation e = item.explanation;
  Reword(impl, need, *cand, Direction::kLead, &e);
  *vi = e.reason_vi;
  *en = e.reason_en;
}

}  // namespace matcher_detail

namespace {

// A live ranking's turn: counted as a request by the helper pool from the
// start, waiting included (with others in line the cores have work, and
// splitting this one would only add hand-offs), then a pass of the gate
// (MatcherOptions::live_rankings).
struct LiveTurn {
  explicit LiveTurn(FifoGate& gate) : busy(HelperPool::Shared()), pass(gate) {}
  HelperPool::Request busy;
  FifoGate::Pass pass;
};

}  // namespace

StatusOr<MatchList> Matcher::Match(const MatchRequest& req) const {
  if (req.k < 1 || req.k > kMaxK) {
    return InvalidArgument("k must be between 1 and " + std::to_string(kMaxK) + ", got " +
                           std::to_string(req.k));
  }
  LiveTurn turn(*impl_->live_gate);
  std::shared_lock lock(impl_->mu);
  const Party* need = FindNeed(*impl_, req.need_id);
  if (need == nullptr) return NotFound("unknown need '" + req.need_id + "'");
  auto filters = ResolveFilters(*impl_, req.filters);
  if (!filters.ok()) return filters.status();
  TargetKind kind = req.kind.value_or(need->need_kind == NeedKind::kEquipment
                                          ? TargetKind::kSupplier
                                          : TargetKind::kExpert);
  auto items = Rank(*impl_, *need, impl_->Targets(kind), false, kind, *filters,
                    static_cast<size_t>(req.k), FeedbackFor(*impl_, req.need_id));
  if (!items.ok()) return items.status();
  MatchList out;
  out.need_id = req.need_id;
  out.kind = kind;
  out.items = std::move(*items);
  out.version = impl_->options.store->LatestSequence();
  return out;
}

StatusOr<MatchList> Matcher::Search(const SearchRequest& req) const {
  if (req.k < 1 || req.k > kMaxK) {
    return InvalidArgument("k must be between 1 and " + std::to_string(kMaxK));
  }
  if (req.text.empty()) return InvalidArgument("field 'text' is required");
  if (req.text.size() > 8192) return InvalidArgument("field 'text' is longer than 8192 bytes");
  LiveTurn turn(*impl_->live_gate);
  Facility f;
  f.name = "";
  if (!req.province.empty()) {
    auto place = impl_->reference->ResolveProvince(req.province);
    if (!place.ok()) return InvalidArgument("field 'province': " + place.status().message());
    f.province = req.province;
    f.province_id = place->province->id;
  }
  if (!req.sector.empty()) {
    auto sector = impl_->reference->ResolveSector(req.sector);
    if (sector.ok()) f.sector_vsic = (*sector)->vsic;
  }
  Need n;
  n.text = req.text;
  n.budget_vnd = req.budget_vnd;
  n.kind = req.kind == TargetKind::kSupplier ? NeedKind::kEquipment : NeedKind::kExpert;
  auto party = NeedParty(*impl_, f, n);
  auto filters = ResolveFilters(*impl_, req.filters);
  if (!filters.ok()) return filters.status();
  std::shared_lock lock(impl_->mu);
  auto items = Rank(*impl_, *party, impl_->Targets(req.kind), false, req.kind, *filters,
                    static_cast<size_t>(req.k), {});
  if (!items.ok()) return items.status();
  MatchList out;
  out.kind = req.kind;
  out.items = std::move(*items);
  return out;
}

StatusOr<Explanation> Matcher::Explain(const std::string& need_id,
                                       const std::string& candidate_id) const {
  std::shared_lock lock(impl_->mu);
  const Party* need = FindNeed(*impl_, need_id);
  if (need == nullptr) return NotFound("unknown need '" + need_id + "'");
  for (TargetKind kind : {TargetKind::kSupplier, TargetKind::kExpert}) {
    const Collection& c = impl_->Targets(kind);
    int64_t n = c.ids.Find(candidate_id);
    if (!c.parties.Has(n)) continue;
    // Score this one candidate with the evidence a search would give it.
    indexer::Query q;
    q.fields = {{need->text, kTextWeight}};
    q.k = impl_->options.candidates;
    if (!c.built) return NotFound("unknown candidate '" + candidate_id + "'");
    indexer::QueryStats stats;
    auto found = c.retriever->Search(q, &stats);
    if (!found.ok()) return found.status();
    const double sparse_max = matcher_detail::LexicalNormaliser(*impl_, *found, stats);
    indexer::Candidate mine{n, 0, 0, 0};
    for (const auto& cand : *found) {
      if (cand.id == n) mine = cand;
    }
    const Party& cand = *c.parties.Find(n);
    PairEvidence ev;
    ev.dense = mine.dense;
    ev.sparse = mine.sparse;
    ev.sparse_max = sparse_max;
    ev.saturate_lexical = impl_->options.lexical_norm == LexicalNorm::kQuery;
    ev.market = c.market;
    auto fb = FeedbackFor(*impl_, need_id);
    if (auto it = fb.find(candidate_id); it != fb.end()) ev.feedback = it->second;
    if (impl_->options.chain_fit) {
      ChainFit fit = impl_->options.chain_fit(need->facility_id, candidate_id, true);
      ev.chain_fit = fit.score;
      ev.chain_path = fit.path;
    }
    return impl_->ranker->Score(need->side, cand.side, ev,
                                kind == TargetKind::kSupplier ? Direction::kNeedToSupplier
                                                              : Direction::kNeedToExpert);
  }
  return NotFound("unknown candidate '" + candidate_id + "'");
}

void Matcher::SetWeights(const RankerWeights& weights) {
  std::unique_lock lock(impl_->mu);
  impl_->ranker = std::make_unique<Ranker>(weights, impl_->options.lexicon);
}

RankerWeights Matcher::weights() const {
  std::shared_lock lock(impl_->mu);
  return impl_->ranker->weights();
}

MatcherStats Matcher::Stats() const {
  std::shared_lock lock(impl_->mu);
  MatcherStats s;
  s.suppliers = impl_->suppliers.parties.size();
  s.experts = impl_->experts.parties.size();
  s.needs = impl_->needs[0].parties.size() + impl_->needs[1].parties.size();
  s.supplier_index = impl_->suppliers.retriever->Stats().vector_index;
  s.expert_index = impl_->experts.retriever->Stats().vector_index;
  s.need_index = impl_->needs[0].retriever->Stats().vector_index;
  s.build_seconds = impl_->build_seconds;
  s.index = impl_->index_report;
  s.lists_pending = impl_->fill.pending_count.load();
  s.live_rankings = impl_->live_gate->width();
  s.live_rankings_waiting = impl_->live_gate->waiting();
  s.supplier_market = impl_->suppliers.market;
  s.expert_market = impl_->experts.market;
  return s;
}

}  // namespace ketnoi::engine
