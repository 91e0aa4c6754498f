#include "benchmarks/gen/world.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <cmath>
#include <set>
#include <sstream>

#include "benchmarks/gen/rng.h"
#include "indexer/normalize.h"

namespace ketnoi::gen {
namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}
bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Rows of a TSV file after its header line, split on tabs.
StatusOr<std::vector<std::vector<std::string>>> ReadTsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) { header = false; continue; }
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    rows.push_back(std::move(cols));
  }
  return rows;
}

// "thai nguyen" -> "Thai Nguyen" (ASCII words only).
std::string TitleCase(std::string s) {
  bool start = true;
  for (char& c : s) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = (c == ' ' || c == '-');
  }
  return s;
}

// Words that carry no concept of their own ("máy", "thiết bị") and so do not
// make two names look alike.
const std::set<std::string>& GenericWords() {
  static const std::set<std::string> kWords = {
      "may", "thiet", "bi", "lo", "day", "chuyen", "he", "thong", "cho", "va", "cua",
      "tu", "van", "dao", "tao", "xay", "dung", "cong", "nghe", "ky", "thuat", "san",
      "pham", "chat", "luong", "quan", "ly", "phat", "trien", "hang", "nha", "cac",
      "loai", "bo", "chung", "nhan", "tieu", "chuan", "dung", "cu", "mini", "lien", "hoan"};
  return kWords;
}

std::vector<std::string> ContentWords(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(indexer::Fold(text));
  std::string w;
  while (ss >> w) {
    if (w.size() > 1 && !GenericWords().count(w)) out.push_back(w);
  }
  return out;
}

bool IsThroughput(const std::string& en) {
  static const char* kWords[] = {
      "dryer", "drier", "roaster", "mill", "grinder", "crusher", "sorter", "grader", "washer",
      "peeler", "press", "extractor", "boiler", "furnace", "processing line", "freezer",
      "rolling machine", "steamer", "slicer", "dehuller", "sheller", "kiln", "mixer",
      "separator", "sieving", "winnower", "rasper", "evaporator", "fryer", "oven", "thresher",
      "chipper", "planer", "saw", "fixing", "withering", "tumbler"};
  for (const char* w : kWords) {
    if (en.find(w) != std::string::npos) return true;
  }
  return false;
}

// Rounded to two significant digits ("nice" prices people write).
double Nice(double v) {
  if (v <= 0) return 0;
  double p = 1;
  while (v >= 100 * p) p *= 10;
  return std::round(v / p) * p;
}

}  // namespace

StatusOr<std::unique_ptr<World>> World::Load(const std::string& data_dir) {
  std::unique_ptr<World> w(new World());
  auto ref = engine::ReferenceData::Load(data_dir);
  if (!ref.ok()) return ref.status();
  w->ref_ = std::move(*ref);
  if (Status s = w->LoadConcepts(data_dir); !s.ok()) return s;
  if (Status s = w->LoadProvinces(data_dir); !s.ok()) return s;
  if (Status s = w->LoadChains(data_dir); !s.ok()) return s;
  return w;
}

int World::ConceptIndex(std::string_view id) const {
  auto it = std::lower_bound(concept_index_.begin(), concept_index_.end(), id,
                             [](const auto& p, std::string_view k) { return p.first < k; });
  if (it == concept_index_.end() || it->first != id) return -1;
  return it->second;
}

const std::vector<int>& World::Region(const std::string& region) const {
  static const std::vector<int> kEmpty;
  for (const auto& [name, members] : regions_) {
    if (name == region) return members;
  }
  return kEmpty;
}

Status World::LoadConcepts(const std::string& data_dir) {
  auto lex = indexer::Lexicon::Load(data_dir + "/lexicon");
  if (!lex.ok()) return lex.status();
  for (const indexer::Concept& c : (*lex)->concepts()) {
    GenConcept g;
    g.id = c.id;
    g.category = c.category;
    g.vi_forms.push_back(c.vi);
    g.en_forms.push_back(c.en);
    for (const std::string& v : c.variants) {
      if (HasDigit(v) || v.size() < 3) continue;  // "lò hơi 2 tấn/giờ" would plant a quantity
      (IsAscii(v) ? g.en_forms : g.vi_forms).push_back(v);
    }
    g.broader = c.broader;
    // Sized in kg/h: processing machines of the agro-food chains (a mill in
    // mechanical engineering is a milling machine, sized otherwise).
    const std::string prefix = c.id.substr(0, c.id.find('.'));
    const bool agro = prefix == "tea" || prefix == "cassava" || prefix == "fruit" ||
                      prefix == "seafood" || prefix == "food";
    g.throughput = agro && c.category == "equipment" && IsThroughput(indexer::Fold(c.en));
    // A typical unit price from the id alone: 15 million to 1.5 billion VND,
    // processing equipment sized by throughput dearer.
    uint64_t h = HashString(c.id);
    double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    double lo = g.throughput ? 6e7 : 1.5e7, hi = g.throughput ? 1.5e9 : 5e8;
    g.base_price = Nice(std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))));
    concepts_.push_back(std::move(g));
  }
  for (size_t i = 0; i < concepts_.size(); ++i) {
    concept_index_.emplace_back(concepts_[i].id, static_cast<int>(i));
  }
  std::sort(concept_index_.begin(), concept_index_.end());
  return Status::OK();
}

Status World::LoadProvinces(const std::string& data_dir) {
  auto legacy = ReadTsv(data_dir + "/provinces/legacy.tsv");
  if (!legacy.ok()) return legacy.status();
  auto aliases = ReadTsv(data_dir + "/provinces/aliases.tsv");
  if (!aliases.ok()) return aliases.status();
  std::set<std::string> legacy_names;
  for (const auto& row : *legacy) {
    if (!row.empty()) legacy_names.insert(row[0]);
  }
  for (const engine::Province& p : ref_->Provinces()) {
    GenProvince g{p.id, p.name, p.name_en, p.region, {}, {}};
    // Keeps a spelling only when the real resolver maps it to this province.
    auto add = [&](std::vector<std::string>* forms, const std::string& f) {
      if (f.empty() || std::find(forms->begin(), forms->end(), f) != forms->end()) return;
      auto r = ref_->ResolveProvince(f);
      if (r.ok() && r->province->id == p.id) forms->push_back(f);
    };
    add(&g.modern_forms, p.name);
    add(&g.modern_forms, (p.kind == "thành phố" ? "TP " : "tỉnh ") + p.name);
    add(&g.modern_forms, TitleCase(indexer::Fold(p.name)));
    add(&g.modern_forms, p.name_en);
    for (const auto& row : *legacy) {
      if (row.size() < 6 || row[4] != p.id || row[0] == p.name) continue;
      add(&g.old_forms, row[0]);
      add(&g.old_forms, (row[1] == "thành phố" ? "TP " : "tỉnh ") + row[0]);
      add(&g.old_forms, TitleCase(indexer::Fold(row[0])));
    }
    for (const auto& row : *aliases) {
      if (row.size() < 2) continue;
      add(legacy_names.count(row[1]) && row[1] != p.name ? &g.old_forms : &g.modern_forms, row[0]);
    }
    if (g.modern_forms.empty()) return Internal("province " + p.id + " has no spelling that resolves");
    provinces_.push_back(std::move(g));
  }
  for (size_t i = 0; i < provinces_.size(); ++i) {
    const std::string& r = provinces_[i].region;
    auto it = std::find_if(regions_.begin(), regions_.end(), [&](const auto& e) { return e.first == r; });
    if (it == regions_.end()) {
      regions_.emplace_back(r, std::vector<int>{});
      it = regions_.end() - 1;
    }
    it->second.push_back(static_cast<int>(i));
  }
  std::sort(regions_.begin(), regions_.end());
  return Status::OK();
}

Status World::LoadChains(const std::string& data_dir) {
  auto catalog = engine::ChainCatalog::LoadDir(data_dir + "/chains");
  if (!catalog.ok()) return catalog.status();
  catalog_ = std::move(*catalog);
  // Shares of facilities per chain: agro-processing chains are the most common.
  const std::vector<std::pair<std::string, double>> kWeights = {
      {"tea", 1.2}, {"cassava", 0.9}, {"fruit", 1.1}, {"seafood", 1.2},
      {"textile", 1.1}, {"wood", 1.0}, {"mechanical", 1.0}, {"crafts", 0.9}};
  for (const engine::Chain& c : catalog_.chains()) {
    GenChain g;
    g.chain = &c;
    for (const auto& [id, wt] : kWeights) {
      if (id == c.id) g.weight = wt;
    }
    auto add_unique = [](std::vector<int>* v, int i) {
      if (i >= 0 && std::find(v->begin(), v->end(), i) == v->end()) v->push_back(i);
    };
    std::map<std::string, int> prefixes;
    for (const engine::ChainStage& s : c.stages) {
      for (const std::string& e : s.equipment) {
        add_unique(&g.equipment, ConceptIndex(e));
        prefixes[e.substr(0, e.find('.'))]++;
      }
      for (const std::string& e : s.expertise) add_unique(&g.expertise, ConceptIndex(e));
    }
    g.stage_equipment = g.equipment.size();
    // The chain's own lexicon file (the prefix most of its stage equipment
    // carries) adds the rest of its machines.
    std::string own;
    int best = 0;
    for (const auto& [p, n] : prefixes) {
      if (n > best && p != "gen" && p != "food") { own = p; best = n; }
    }
    for (size_t i = 0; i < concepts_.size(); ++i) {
      const GenConcept& k = concepts_[i];
      if (k.category == "equipment" && k.id.compare(0, own.size() + 1, own + ".") == 0) {
        add_unique(&g.equipment, static_cast<int>(i));
      }
    }
    for (const std::string& name : c.typical_provinces) {
      auto r = ref_->ResolveProvince(name);
      if (!r.ok()) continue;
      for (size_t i = 0; i < provinces_.size(); ++i) {
        if (provinces_[i].id == r->province->id) add_unique(&g.typical_provinces, static_cast<int>(i));
      }
    }
    for (const std::string& v : c.vsic) {
      g.sectors.push_back(v);
      for (const engine::Sector& s : ref_->Sectors()) {
        if (s.vsic == v) {
          g.sectors.push_back(s.name_vi);
          g.sectors.push_back(s.name_en);
        }
      }
    }
    for (const std::string& w : c.sector_words) {
      (IsAscii(w) ? g.product_words_en : g.product_words_vi).push_back(w);
    }
    if (g.equipment.empty() || g.expertise.empty() || g.product_words_vi.empty() ||
        g.product_words_en.empty() || g.typical_provinces.empty()) {
      return InvalidArgument("chain " + c.id + ": too little material to generate from");
    }
    chains_.push_back(std::move(g));
  }
  return Status::OK();
}

bool World::Related(int a, int b) const {
  auto reaches = [&](int from, int to) {
    std::vector<int> frontier{from};
    for (int depth = 0; depth < 4 && !frontier.empty(); ++depth) {
      std::vector<int> next;
      for (int x : frontier) {
        if (x == to) return true;
        for (const std::string& id : concepts_[x].broader) {
          int k = ConceptIndex(id);
          if (k >= 0) next.push_back(k);
        }
      }
      frontier.swap(next);
    }
    return false;
  };
  return reaches(a, b) || reaches(b, a);
}

int World::LookAlike(int c, const std::vector<int>& pool, uint64_t salt) const {
  std::vector<std::string> words;
  for (const std::string& f : concepts_[c].vi_forms) {
    for (std::string& w : ContentWords(f)) words.push_back(std::move(w));
  }
  std::vector<int> candidates;
  for (int d : pool) {
    if (d == c || Related(c, d)) continue;
    bool shares = false;
    for (const std::string& w : ContentWords(concepts_[d].vi_forms[0])) {
      if (std::find(words.begin(), words.end(), w) != words.end()) shares = true;
    }
    if (shares) candidates.push_back(d);
  }
  if (candidates.empty()) return -1;
  return candidates[salt % candidates.size()];
}

}  // namespace ketnoi::gen
