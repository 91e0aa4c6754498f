#include "engine/ranker.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "engine/reference.h"
#include "indexer/lexicon.h"
#include "indexer/normalize.h"
#include "indexer/quantity.h"

namespace ketnoi::engine {
namespace {

constexpr const char* kFeatureNames[kNumRankFeatures] = {
    "semantic", "lexical", "concepts", "accent", "sector",
    "geography", "capacity", "budget", "chain", "feedback"};

bool IsCapacityDimension(indexer::Dimension d) {
  using indexer::Dimension;
  return d == Dimension::kMassRate || d == Dimension::kPower || d == Dimension::kVolume ||
         d == Dimension::kVolumeRate || d == Dimension::kCount || d == Dimension::kMass;
}

// 1 when the ratio is within ~40%, falling linearly to -1 at 10x.
double RatioCloseness(double a, double b) {
  if (a <= 0 || b <= 0) return 0;
  double r = std::fabs(std::log10(a / b));
  if (r <= 0.15) return 1.0;
  if (r >= 1.0) return -1.0;
  return 1.0 - 2.0 * (r - 0.15) / 0.85;
}

std::string FormatKm(double km) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", km);
  return buf;
}

std::string FormatVnd(double v) {
  char buf[48];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.1f tỷ", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.0f triệu", v / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0f đ", v);
  return buf;
}

}  // namespace

std::string_view RankFeatureName(RankFeature f) { return kFeatureNames[static_cast<int>(f)]; }

bool ParseRankFeature(std::string_view name, RankFeature* out) {
  for (int i = 0; i < kNumRankFeatures; ++i) {
    if (name == kFeatureNames[i]) {
      *out = static_cast<RankFeature>(i);
      return true;
    }
  }
  return false;
}

StatusOr<RankerWeights> RankerWeights::FromJson(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument("ranker weights: expected a JSON object");
  }
  RankerWeights out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key().rfind("_", 0) == 0) continue;  // comments: "_doc"
    if (!it.value().is_number()) {
      return InvalidArgument("ranker weights: '" + it.key() + "' must be a number");
    }
    double v = it.value().get<double>();
    if (!std::isfinite(v)) return InvalidArgument("ranker weights: '" + it.key() + "' is not finite");
    if (it.key() == "bias") { out.bias = v; continue; }
    RankFeature f;
    if (!ParseRankFeature(it.key(), &f)) {
      return InvalidArgument("ranker weights: unknown feature '" + it.key() + "'");
    }
    out.w[static_cast<int>(f)] = v;
  }
  return out;
}

std::string RankerWeights::ToJson() const {
  nlohmann::ordered_json j;
  for (int i = 0; i < kNumRankFeatures; ++i) j[kFeatureNames[i]] = w[i];
  j["bias"] = bias;
  return j.dump(2);
}

std::string ChainOfConcept(std::string_view id) {
  static const std::pair<std::string_view, std::string_view> kPrefixes[] = {
      {"tea.", "tea"},         {"cassava.", "cassava"}, {"fruit.", "fruit"},
      {"seafood.", "seafood"}, {"textile.", "textile"}, {"mech.", "mechanical"},
      {"wood.", "wood"},       {"craft.", "crafts"},
  };
  for (const auto& [prefix, chain] : kPrefixes) {
    if (id.substr(0, prefix.size()) == prefix) return std::string(chain);
  }
  return "";
}

std::vector<bool> ChainEvidence(const indexer::Analysis& a, const indexer::Lexicon* lexicon) {
  std::vector<bool> counts(a.concepts.size(), true);
  if (lexicon == nullptr) return counts;
  const auto is_metal = [&](const indexer::ConceptHit& h) {
    if (ChainOfConcept(h.concept_id) != "mechanical") return false;
    const indexer::Concept* c = lexicon->Find(h.concept_id);
    return c != nullptr && c->category == "material";
  };
  std::vector<const std::string*> metal_spans;
  bool beside_other = false;
  for (size_t i = 0; i < a.concepts.size(); ++i) {
    const indexer::ConceptHit& h = a.concepts[i];
    if (h.broader) continue;
    if (is_metal(h)) {
      metal_spans.push_back(&h.matched);
      counts[i] = false;
    } else {
      beside_other = true;
    }
  }
  if (!beside_other) return std::vector<bool>(a.concepts.size(), true);
  // A broader hit carries the span of the hit that brought it.
  for (size_t i = 0; i < a.concepts.size(); ++i) {
    if (!a.concepts[i].broader) continue;
    for (const std::string* span : metal_spans) {
      if (a.concepts[i].matched == *span) counts[i] = false;
    }
  }
  return counts;
}

double GeographyValue(const MatchSide& need, const MatchSide& cand, std::optional<double>* km,
                      bool* serves) {
  *serves = false;
  km->reset();
  if (need.has_place && cand.has_place) {
    *km = ReferenceData::DistanceKm(need.lat, need.lon, cand.lat, cand.lon);
  }
  // Distance decays the value slowly: 0 km costs nothing, 1000 km costs 0.3.
  double distance_cost = km->has_value() ? 0.3 * std::min(**km / 1000.0, 1.0) : 0.15;
  if (cand.declares_service_area) {
    bool listed = !need.province_id.empty() &&
                  std::find(cand.serves_ids.begin(), cand.serves_ids.end(), need.province_id) !=
                      cand.serves_ids.end();
    bool local = !need.province_id.empty() && cand.province_id == need.province_id;
    if (listed || local) {
      *serves = true;
      return 1.0 - distance_cost;
    }
    if (cand.nationwide) {
      *serves = true;
      return 0.7 - distance_cost;
    }
    if (need.province_id.empty()) return 0;
    return -1.0;  // says where it works, and this province is not there
  }
  // Experts and facilities: no declared area; nearer is better. An expert
  // whose profile lists the need's province among those it works in counts
  // as a supplier serving it would, one that writes it works nationwide as
  // a nationwide supplier would; either, or better when near.
  const bool listed = !need.province_id.empty() &&
                      std::find(cand.serves_ids.begin(), cand.serves_ids.end(), need.province_id) !=
                          cand.serves_ids.end();
  const double reach = listed ? 1.0 - distance_cost : cand.nationwide ? 0.7 - distance_cost : -1.0;
  if (cand.nationwide || listed) *serves = true;
  if (!km->has_value()) return reach > -1.0 ? reach : 0;
  if (!need.province_id.empty() && cand.province_id == need.province_id) *serves = true;
  return std::max({-0.5, 1.0 - **km / 500.0, reach});
}

double CapacityValue(const indexer::Analysis& need, const indexer::Analysis& cand,
                     std::string* note) {
  double total = 0;
  int compared = 0;
  for (const auto& nq : need.quantities) {
    if (!IsCapacityDimension(nq.dimension)) continue;
    // Candidates often give a range ("300-500 kg/giờ"): inside it is a fit.
    double lo = 0, hi = 0;
    const indexer::Quantity* best = nullptr;
    double best_value = -2;
    for (const auto& cq : cand.quantities) {
      if (cq.dimension != nq.dimension || cq.unit != nq.unit) continue;
      lo = lo == 0 ? cq.value : std::min(lo, cq.value);
      hi = std::max(hi, cq.value);
      double v = RatioCloseness(nq.value, cq.value);
      if (v > best_value) {
        best_value = v;
        best = &cq;
      }
    }
    if (best == nullptr) continue;
    if (nq.value >= lo && nq.value <= hi) best_value = 1.0;
    total += best_value;
    ++compared;
    if (note != nullptr && note->empty()) *note = nq.text + " ~ " + best->text;
  }
  return compared == 0 ? 0 : total / compared;
}

double BudgetValue(std::optional<int64_t> budget, const indexer::Analysis& need,
                   const indexer::Analysis& cand, std::string* note) {
  double b = budget ? static_cast<double>(*budget) : 0;
  if (b <= 0) {
    for (const auto& q : need.quantities) {
      if (q.dimension == indexer::Dimension::kMoney && q.unit == "vnd") b = std::max(b, q.value);
    }
  }
  if (b <= 0) return 0;
  double min_price = 0;
  for (const auto& q : cand.quantities) {
    if (q.dimension != indexer::Dimension::kMoney || q.unit != "vnd") continue;
    if (q.value < 1e6) continue;  // not an equipment price
    min_price = min_price == 0 ? q.value : std::min(min_price, q.value);
  }
  if (min_price == 0) return 0;
  if (note != nullptr) *note = "giá từ " + FormatVnd(min_price) + " / ngân sách " + FormatVnd(b);
  if (min_price <= b) return 1.0;
  double over = min_price / b;  // > 1
  if (over >= 3.0) return -1.0;
  return 1.0 - (over - 1.0);    // 1.0 at budget, -1 at 3x
}

namespace {

uint64_t KeyHash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a, then a final mix
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 32);
}

bool Has(const std::vector<uint64_t>& sorted, uint64_t h) {
  return std::binary_search(sorted.begin(), sorted.end(), h);
}

}  // namespace

RankKeys RankKeys::Of(const indexer::Analysis& a, const indexer::Lexicon* lexicon) {
  RankKeys k;
  const std::vector<bool> chain_evidence = ChainEvidence(a, lexicon);
  std::string folded;
  for (const auto& f : a.features) {
    if (f.kind != indexer::FeatureKind::kAccented) continue;
    folded.clear();
    indexer::AppendFoldedNormalized(std::string_view(f.term).substr(2), &folded);  // after "a:"
    k.accented.push_back(KeyHash(f.term));
    k.accented_folded.push_back(static_cast<uint32_t>(KeyHash(folded)));
  }
  // Features are distinct terms, so each accented syllable comes once.
  std::sort(k.accented.begin(), k.accented.end());
  std::sort(k.accented_folded.begin(), k.accented_folded.end());
  for (uint32_t i = 0; i < a.concepts.size(); ++i) {
    const std::string& id = a.concepts[i].concept_id;
    uint64_t h = KeyHash(id);
    bool seen = false;
    for (const auto& [j, hj] : k.concept_order) seen = seen || hj == h;
    if (seen) continue;
    k.concept_order.emplace_back(i, h);
    k.concepts.push_back(h);
    std::string chain = chain_evidence[i] ? ChainOfConcept(id) : std::string();
    if (!chain.empty() && std::find(k.chains.begin(), k.chains.end(), chain) == k.chains.end()) {
      k.chains.push_back(std::move(chain));
    }
  }
  std::sort(k.concepts.begin(), k.concepts.end());
  for (const indexer::ConceptHit& hit : a.concepts) {
    if (lexicon == nullptr || hit.broader || !ChainOfConcept(hit.concept_id).empty()) continue;
    const indexer::Concept* c = lexicon->Find(hit.concept_id);
    if (c != nullptr && c->category == "equipment") {
      k.cross_chain.push_back(KeyHash(hit.concept_id));
    }
  }
  std::sort(k.cross_chain.begin(), k.cross_chain.end());
  k.cross_chain.erase(std::unique(k.cross_chain.begin(), k.cross_chain.end()), k.cross_chain.end());
  // The folded words of a span ("máy sấy chè" -> may, say, che).
  auto words = [](const std::string& span, std::vector<uint64_t>* out) {
    const std::string folded = indexer::Fold(span);
    size_t start = 0;
    while (start < folded.size()) {
      size_t end = folded.find(' ', start);
      if (end == std::string::npos) end = folded.size();
      if (end > start) out->push_back(KeyHash(std::string_view(folded).substr(start, end - start)));
      start = end + 1;
    }
  };
  // Each hit's span folded once: hit i's words are [hit_begin[i], hit_begin[i + 1]).
  std::vector<uint64_t> hit_words;
  std::vector<uint32_t> hit_begin;
  for (const indexer::ConceptHit& c : a.concepts) {
    hit_begin.push_back(static_cast<uint32_t>(hit_words.size()));
    words(c.matched, &hit_words);
  }
  hit_begin.push_back(static_cast<uint32_t>(hit_words.size()));
  for (const auto& [i, h] : k.concept_order) {
    k.order_words_begin.push_back(static_cast<uint32_t>(k.order_words.size()));
    k.order_words.insert(k.order_words.end(), hit_words.begin() + hit_begin[i],
                         hit_words.begin() + hit_begin[i + 1]);
  }
  k.order_words_begin.push_back(static_cast<uint32_t>(k.order_words.size()));
  k.span_words = std::move(hit_words);
  std::sort(k.span_words.begin(), k.span_words.end());
  k.span_words.erase(std::unique(k.span_words.begin(), k.span_words.end()), k.span_words.end());
  if (a.length > 0) {
    k.recognized = std::min(1.0, static_cast<double>(k.span_words.size()) /
                                     static_cast<double>(a.length));
  }
  return k;
}

namespace {

// What a concept the candidate names with the need's own words counts, of a
// bridged one's weight: the lexicon saw the whole term in both texts, which
// the lexical value does not say, but its words are already counted there
// (docs/matching.md, "Concepts the words do not show": 0 and 0.25 cost the
// larger generated market's expert needs, 1 was the old double count).
constexpr double kSameWordsShare = 0.5;

// Whether the candidate's concept spans hold every word the need named its
// `j`-th concept with: then the words themselves match ("máy sấy chè" in
// "máy sấy chè băng tải", or written without diacritics), and the lexical
// value has them.
bool NamedWithTheNeedsWords(const RankKeys& need, size_t j, const RankKeys& cand) {
  const uint32_t begin = need.order_words_begin[j], end = need.order_words_begin[j + 1];
  if (begin == end) return false;
  for (uint32_t w = begin; w < end; ++w) {
    if (!Has(cand.span_words, need.order_words[w])) return false;
  }
  return true;
}

}  // namespace

double ConceptValue(const indexer::Analysis& need, const RankKeys& need_keys,
                    const RankKeys& cand_keys, std::vector<std::string>* matched) {
  double have = 0, want = 0;
  for (size_t j = 0; j < need_keys.concept_order.size(); ++j) {
    const auto& [i, h] = need_keys.concept_order[j];
    const indexer::ConceptHit& c = need.concepts[i];
    double w = c.broader ? 0.3 : 1.0;
    want += w;
    if (Has(cand_keys.concepts, h)) {
      if (!c.broader && matched != nullptr) matched->push_back(c.concept_id);
      if (!c.broader && NamedWithTheNeedsWords(need_keys, j, cand_keys)) w *= kSameWordsShare;
      have += w;
    }
  }
  return want == 0 ? 0 : have / want;
}

double ConceptValue(const indexer::Analysis& need, const indexer::Analysis& cand,
                    std::vector<std::string>* matched) {
  return ConceptValue(need, RankKeys::Of(need), RankKeys::Of(cand), matched);
}

namespace {

// How many entries of sorted `a` (duplicates each counted) are in sorted `b`.
template <typename T>
int CountIn(const std::vector<T>& a, const std::vector<T>& b) {
  int n = 0;
  size_t j = 0;
  for (size_t i = 0; i < a.size() && j < b.size(); ++i) {
    while (j < b.size() && b[j] < a[i]) ++j;
    n += j < b.size() && b[j] == a[i] ? 1 : 0;
  }
  return n;
}

}  // namespace

double AccentValue(const RankKeys& need, const RankKeys& cand) {
  if (cand.accented.empty() || need.accented.empty()) return 0;
  // The need's syllables the candidate writes with some accents (folded
  // forms met), less those it writes with the same ones.
  const int written = CountIn(need.accented_folded, cand.accented_folded);
  if (written == 0) return 0;
  const int conflicts = written - CountIn(need.accented, cand.accented);
  if (conflicts <= 0) return 0;  // not -0.0, which JSON would show as "-0.0"
  return -static_cast<double>(conflicts) / static_cast<double>(need.accented.size());
}

double AccentValue(const indexer::Analysis& need, const indexer::Analysis& cand) {
  return AccentValue(RankKeys::Of(need), RankKeys::Of(cand));
}

double SectorValue(std::string_view chain, const RankKeys& cand) {
  if (chain.empty() || cand.chains.empty()) return 0;
  for (const auto& c : cand.chains) {
    if (c == chain) return 1.0;
  }
  return -0.5;
}

double SectorValue(std::string_view chain, const RankKeys& need, const RankKeys& cand) {
  const double v = SectorValue(chain, cand);
  if (v >= 0) return v;
  for (uint64_t h : need.cross_chain) {
    if (Has(cand.concepts, h)) return 0;
  }
  return v;
}

double SectorValue(std::string_view chain, const indexer::Analysis& cand) {
  return SectorValue(chain, RankKeys::Of(cand));
}

Ranker::Ranker(RankerWeights weights, const indexer::Lexicon* lexicon)
    : weights_(weights), lexicon_(lexicon) {}

namespace {

// Names of up to `n` concepts for a reason line: the most specific ones
// (a concept broader than another matched one is left out), of the
// categories that suit the direction (equipment for suppliers, expertise for
// experts), falling back to any category.
std::string ConceptNames(const indexer::Lexicon* lexicon, const std::vector<std::string>& ids,
                         bool vietnamese, size_t n, Direction direction) {
  if (lexicon == nullptr) return "";
  std::vector<const indexer::Concept*> concepts;
  std::unordered_set<std::string> broader;
  for (const auto& id : ids) {
    const indexer::Concept* c = lexicon->Find(id);
    if (c == nullptr) continue;
    concepts.push_back(c);
    broader.insert(c->broader.begin(), c->broader.end());
  }
  auto suits = [&](const indexer::Concept* c) {
    bool expertise = c->category == "expertise" || c->category == "certification";
    return direction == Direction::kNeedToExpert ? expertise || c->category == "process"
                                                 : !expertise;
  };
  std::string out;
  size_t used = 0;
  for (int pass = 0; pass < 2 && used == 0; ++pass) {
    for (const indexer::Concept* c : concepts) {
      if (used == n) break;
      if (broader.count(c->id)) continue;
      if (pass == 0 && !suits(c)) continue;
      if (!out.empty()) out += ", ";
      out += vietnamese ? c->vi : c->en;
      ++used;
    }
  }
  return out;
}

std::string TermList(const std::vector<std::string>& terms, size_t n) {
  std::string out;
  for (size_t i = 0; i < terms.size() && i < n; ++i) {
    if (i) out += ", ";
    out += terms[i];
  }
  return out;
}

void WriteReasons(const MatchSide& need, const MatchSide& cand, Direction direction,
                  const indexer::Lexicon* lexicon, Explanation* e) {
  std::string what_vi = ConceptNames(lexicon, e->matched_concepts, true, 2, direction);
  std::string what_en = ConceptNames(lexicon, e->matched_concepts, false, 2, direction);
  if (what_vi.empty()) what_vi = what_en = TermList(e->matched_terms, 3);
  std::string vi, en;
  switch (direction) {
    case Direction::kNeedToSupplier:
      vi = what_vi.empty() ? "Nhà cung cấp liên quan" : "Cung cấp " + what_vi;
      en = what_en.empty() ? "Related supplier" : "Supplies " + what_en;
      break;
    case Direction::kNeedToExpert:
      vi = what_vi.empty() ? "Chuyên gia liên quan" : "Chuyên gia về " + what_vi;
      en = what_en.empty() ? "Related expert" : "Expert in " + what_en;
      break;
    case Direction::kLead:
      vi = need.name + " cần " + (what_vi.empty() ? "sản phẩm liên quan" : what_vi);
      en = need.name + " needs " + (what_en.empty() ? "related products" : what_en);
      break;
  }
  if (!e->capacity_note.empty()) {
    vi += " (" + e->capacity_note + ")";
    en += " (" + e->capacity_note + ")";
  }
  if (direction != Direction::kLead) {
    if (cand.declares_service_area && e->serves_province && !need.province_name.empty()) {
      bool listed = cand.province_id == need.province_id ||
                    std::find(cand.serves_ids.begin(), cand.serves_ids.end(), need.province_id) !=
                        cand.serves_ids.end();
      vi += listed ? ", phục vụ " + need.province_name : ", phục vụ toàn quốc";
      en += listed ? ", serves " + need.province_name_en : ", serves nationwide";
    } else if (cand.declares_service_area && !e->serves_province) {
      vi += ", không phục vụ " + need.province_name;
      en += ", does not serve " + need.province_name_en;
    } else if (!cand.province_name.empty()) {
      vi += ", ở " + cand.province_name;
      en += ", based in " + cand.province_name_en;
      // An expert that writes where it works.
      const bool listed = std::find(cand.serves_ids.begin(), cand.serves_ids.end(),
                                    need.province_id) != cand.serves_ids.end();
      if (listed && cand.province_id != need.province_id && !need.province_name.empty()) {
        vi += ", nhận hỗ trợ tại " + need.province_name;
        en += ", works in " + need.province_name_en;
      } else if (cand.nationwide) {
        vi += ", làm việc toàn quốc";
        en += ", works nationwide";
      }
    }
  } else if (!need.province_name.empty()) {
    vi += ", ở " + need.province_name;
    en += ", in " + need.province_name_en;
  }
  if (e->distance_km.has_value()) {
    vi += ", cách " + FormatKm(*e->distance_km) + " km";
    en += ", " + FormatKm(*e->distance_km) + " km away";
  }
  if (!e->price_note.empty()) {
    vi += ", " + e->price_note;
  }
  if (!e->chain_path.empty()) {
    vi += "; chuỗi: " + e->chain_path;
    en += "; chain: " + e->chain_path;
  }
  e->reason_vi = std::move(vi);
  e->reason_en = std::move(en);
}

}  // namespace

Explanation Ranker::Score(const MatchSide& need, const MatchSide& cand,
                          const PairEvidence& ev, Direction direction) const {
  Explanation e = ScoreFeatures(need, cand, ev);
  for (const auto& t : ev.matched_terms) {
    // Plain syllables and bigrams read well; n-grams and units do not.
    if (t.size() > 2 && (t[0] == 's' || t[0] == 'a' || t[0] == 'b') && t[1] == ':') {
      std::string w = t.substr(2);
      std::replace(w.begin(), w.end(), '_', ' ');
      e.matched_terms.push_back(std::move(w));
    }
  }
  WriteReasons(need, cand, direction, lexicon_, &e);
  return e;
}

void Ranker::Reason(const MatchSide& need, const MatchSide& cand, Direction direction,
                    Explanation* e) const {
  WriteReasons(need, cand, direction, lexicon_, e);
}

namespace {

// A side's rank keys: its own when kept with it, else computed into `own`.
const RankKeys& KeysOf(const MatchSide& side, std::optional<RankKeys>* own,
                       const indexer::Lexicon* lexicon) {
  return side.keys != nullptr ? *side.keys : own->emplace(RankKeys::Of(*side.analysis, lexicon));
}

}  // namespace

double MarketFactor(size_t recognized, size_t total) {
  if (total == 0) return 1;
  const double share = static_cast<double>(recognized) / static_cast<double>(total);
  const double f = std::min(1.0, share / kMarketShareForFullWeight);
  return std::floor(f * 10 + 1e-9) / 10;
}

double SaturatedLexical(double x) {
  if (x <= 0) return 0;
  if (x <= 1) return 0.8 * x;
  return 1.0 - 0.2 * std::exp(-4.0 * (x - 1.0));
}

Explanation Ranker::ScoreFeatures(const MatchSide& need, const MatchSide& cand,
                                  const PairEvidence& ev, bool notes) const {
  Explanation e;
  const indexer::Analysis& na = *need.analysis;
  const indexer::Analysis& ca = *cand.analysis;
  auto set = [&](RankFeature f, double v) { e.values[static_cast<int>(f)] = v; };
  std::optional<RankKeys> own_need, own_cand;
  const RankKeys& nk = KeysOf(need, &own_need, lexicon_);
  const RankKeys& ck = KeysOf(cand, &own_cand, lexicon_);
  // Outside the domain (a need of which the lexicon recognises almost
  // nothing) concepts are incidental and the projection is noise next to
  // the words: both count in proportion (docs/matching.md, "Needs the
  // lexicon does not speak for").
  const double domain = std::min(1.0, nk.recognized / kRecognizedForFullWeight);
  // The same asked of the candidates' market: in a catalogue the lexicon
  // does not speak for, its concepts and the chains read from them are
  // incidental however many of them a need names, and a number glued to a
  // letter is a model name ("iPhone 3G", "802.11g") more often than a
  // capacity ("A market the lexicon does not speak for").
  const double market = std::clamp(ev.market, 0.0, 1.0);
  set(RankFeature::kSemantic, std::clamp(ev.dense, 0.0, 1.0) * domain);
  const double lexical = ev.sparse_max > 0 ? std::max(ev.sparse / ev.sparse_max, 0.0) : 0;
  set(RankFeature::kLexical, ev.saturate_lexical ? SaturatedLexical(lexical) : std::min(lexical, 1.0));
  set(RankFeature::kConcepts,
      ConceptValue(na, nk, ck, notes ? &e.matched_concepts : nullptr) * domain * market);
  set(RankFeature::kAccent, AccentValue(nk, ck));
  set(RankFeature::kSector, SectorValue(need.chain, nk, ck) * market);
  set(RankFeature::kGeography, GeographyValue(need, cand, &e.distance_km, &e.serves_province));
  set(RankFeature::kCapacity, CapacityValue(na, ca, notes ? &e.capacity_note : nullptr) * market);
  set(RankFeature::kBudget,
      BudgetValue(need.budget_vnd, na, ca, notes ? &e.price_note : nullptr));
  set(RankFeature::kChain, std::clamp(ev.chain_fit, 0.0, 1.0));
  set(RankFeature::kFeedback, std::clamp(ev.feedback, -1.0, 1.0));
  e.score = weights_.bias;
  for (int i = 0; i < kNumRankFeatures; ++i) {
    e.contributions[i] = weights_.w[i] * e.values[i];
    e.score += e.contributions[i];
  }
  e.chain_path = ev.chain_path;
  return e;
}

void Ranker::Notes(const MatchSide& need, const MatchSide& cand, Explanation* e) const {
  // Written afresh, so a second call leaves the same notes.
  e->matched_concepts.clear();
  e->capacity_note.clear();
  e->price_note.clear();
  std::optional<RankKeys> own_need, own_cand;
  ConceptValue(*need.analysis, KeysOf(need, &own_need, lexicon_), KeysOf(cand, &own_cand, lexicon_),
               &e->matched_concepts);
  CapacityValue(*need.analysis, *cand.analysis, &e->capacity_note);
  BudgetValue(need.budget_vnd, *need.analysis, *cand.analysis, &e->price_note);
}

}  // namespace ketnoi::engine
