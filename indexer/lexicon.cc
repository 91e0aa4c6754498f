#include "indexer/lexicon.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "indexer/normalize.h"
#include "indexer/tokenize.h"

namespace ketnoi::indexer {
namespace {

constexpr int kMaxTermSyllables = 12;

// Keys of the term table: a hash chained over the folded syllables, so a
// text is looked up one syllable at a time without building strings.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

uint64_t ChainHash(uint64_t prev, std::string_view syllable) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : syllable) h = (h ^ c) * 1099511628211ull;
  return Mix(prev * 0x9E3779B97F4A7C15ull + h);
}

struct IdentityHash {
  size_t operator()(uint64_t h) const { return static_cast<size_t>(h); }
};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos
                                                                   : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  for (const std::string& part : Split(s, '|')) {
    std::string t = Trim(part);
    if (!t.empty()) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

struct Lexicon::Impl {
  // One way of writing a concept: its syllables in accented form.
  struct Term {
    uint32_t concept_index;
    std::vector<std::string> accented;
  };
  // A folded syllable sequence ("may say che"): the terms written that way,
  // and whether longer terms start with it. `folded` (set when `terms` is
  // not empty) verifies a hash match.
  struct Node {
    bool prefix = false;
    std::vector<std::string> folded;
    std::vector<Term> terms;
  };

  LexiconOptions options;
  std::vector<Concept> concepts;
  std::unordered_map<std::string, uint32_t> by_id;
  std::unordered_map<uint64_t, Node, IdentityHash> nodes;  // while loading
  // After loading: the nodes in a flat open-addressing table (one probe,
  // usually one cache line, per syllable looked up).
  std::vector<std::vector<uint32_t>> broader;  // per concept, its broader concepts' indexes
  size_t max_len = 1;

  struct Slot {
    uint64_t hash = 0;
    const Node* node = nullptr;  // null: free slot
    bool prefix = false;         // copies of the node's flags, so a lookup
    bool has_terms = false;      // touches the node only when it has terms
  };
  std::vector<Slot> table;
  // Hash bits of every node that has longer terms after it, and of every
  // node with terms: two small bitmaps that answer most lookups without
  // touching the table.
  std::vector<uint64_t> prefix_bits, term_bits;
  static constexpr size_t kBits = 1 << 16;

  void BuildTable() {
    size_t cap = 16;
    while (cap < nodes.size() * 2) cap <<= 1;
    table.assign(cap, Slot{});
    prefix_bits.assign(kBits / 64, 0);
    term_bits.assign(kBits / 64, 0);
    for (const auto& [hash, node] : nodes) {
      size_t i = hash & (cap - 1);
      while (table[i].node != nullptr) i = (i + 1) & (cap - 1);
      table[i] = Slot{hash, &node, node.prefix, !node.terms.empty()};
      size_t b = (hash >> 40) & (kBits - 1);
      if (node.prefix) prefix_bits[b / 64] |= 1ull << (b % 64);
      if (!node.terms.empty()) term_bits[b / 64] |= 1ull << (b % 64);
    }
  }

  const Slot* FindSlot(uint64_t hash) const {
    size_t b = (hash >> 40) & (kBits - 1);
    if (!(((prefix_bits[b / 64] | term_bits[b / 64]) >> (b % 64)) & 1)) return nullptr;
    size_t mask = table.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      if (table[i].node == nullptr) return nullptr;
      if (table[i].hash == hash) return &table[i];
    }
  }


  void AddTerm(uint32_t concept_index, std::string_view text) {
    std::string accented = NormalizeAccented(text);
    Tokens toks = Tokenize(accented);
    if (toks.tokens.empty() || toks.tokens.size() > kMaxTermSyllables) return;
    uint64_t key = 0;
    Term term{concept_index, {}};
    std::vector<std::string> folded;
    for (size_t i = 0; i < toks.tokens.size(); ++i) {
      if (i > 0) nodes[key].prefix = true;
      // English plurals are indexed by their singular, as the analyzer
      // matches them (EnglishSingular).
      const Token& t = toks.tokens[i];
      key = ChainHash(key, t.Base());
      folded.emplace_back(t.Base());
      term.accented.emplace_back(t.singular.empty() ? t.accented : t.Base());
    }
    Node& node = nodes[key];
    if (node.folded.empty()) node.folded = folded;
    if (node.folded != folded) return;  // a 64-bit hash collision: drop the term
    for (const Term& t : node.terms) {
      if (t.concept_index == concept_index && t.accented == term.accented) return;
    }
    node.terms.push_back(std::move(term));
    max_len = std::max(max_len, toks.tokens.size());
  }
};

Lexicon::Lexicon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Lexicon::~Lexicon() = default;

StatusOr<std::unique_ptr<Lexicon>> Lexicon::Load(const std::string& dir, LexiconOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return NotFound("lexicon directory '" + dir + "' does not exist");
  }
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".tsv") paths.push_back(entry.path());
  }
  if (ec) return IOError("cannot list lexicon directory '" + dir + "': " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return IOError("cannot read lexicon file '" + path.string() + "'");
    std::ostringstream content;
    content << in.rdbuf();
    files.emplace_back(path.filename().string(), content.str());
  }
  return FromFiles(files, options);
}

StatusOr<std::unique_ptr<Lexicon>> Lexicon::FromFiles(
    const std::vector<std::pair<std::string, std::string>>& files, LexiconOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::vector<std::string> broader_where;  // "file:line" of each concept's row
  for (const auto& [name, content] : files) {
    std::vector<std::string> lines = Split(content, '\n');
    bool header_seen = false;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string where = name + ":" + std::to_string(i + 1);
      std::string_view line = lines[i];
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (i == 0 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // BOM
      if (Trim(line).empty() || line.front() == '#') continue;
      if (!IsValidUtf8(line)) return InvalidArgument(where + ": not valid UTF-8");
      std::vector<std::string> cols = Split(line, '\t');
      if (!header_seen) {
        if (cols.size() < 4 || Trim(cols[0]) != "id" || Trim(cols[2]) != "vi" ||
            Trim(cols[3]) != "en") {
          return InvalidArgument(where +
                                 ": expected the header 'id\tcategory\tvi\ten\tvariants\tbroader'");
        }
        header_seen = true;
        continue;
      }
      if (cols.size() < 4 || cols.size() > 6) {
        return InvalidArgument(where + ": expected 6 tab-separated columns "
                               "(id, category, vi, en, variants, broader), found " +
                               std::to_string(cols.size()));
      }
      cols.resize(6);
      Concept c;
      c.id = Trim(cols[0]);
      c.category = Trim(cols[1]);
      c.vi = Trim(cols[2]);
      c.en = Trim(cols[3]);
      c.variants = SplitList(cols[4]);
      c.broader = SplitList(cols[5]);
      c.source = where;
      if (c.id.empty() || c.id.find(' ') != std::string::npos) {
        return InvalidArgument(where + ": column 'id' must be a non-empty word, got '" + c.id + "'");
      }
      if (c.vi.empty() && c.en.empty()) {
        return InvalidArgument(where + ": concept '" + c.id + "' has neither 'vi' nor 'en'");
      }
      auto [it, inserted] =
          impl->by_id.emplace(c.id, static_cast<uint32_t>(impl->concepts.size()));
      if (!inserted) {
        return InvalidArgument(where + ": duplicate concept id '" + c.id + "' (first defined at " +
                               impl->concepts[it->second].source + ")");
      }
      for (const std::string& b : c.broader) {
        if (b == c.id) return InvalidArgument(where + ": concept '" + c.id + "' is its own broader");
      }
      impl->concepts.push_back(std::move(c));
    }
  }
  for (uint32_t ci = 0; ci < impl->concepts.size(); ++ci) {
    const Concept& c = impl->concepts[ci];
    for (const std::string& b : c.broader) {
      if (!impl->by_id.count(b)) {
        return InvalidArgument(c.source + ": broader concept '" + b + "' of '" + c.id +
                               "' is not defined in any lexicon file");
      }
    }
    std::vector<uint32_t>& up = impl->broader.emplace_back();
    for (const std::string& b : c.broader) up.push_back(impl->by_id.at(b));
    if (!c.vi.empty()) impl->AddTerm(ci, c.vi);
    if (!c.en.empty()) impl->AddTerm(ci, c.en);
    for (const std::string& v : c.variants) impl->AddTerm(ci, v);
  }
  impl->BuildTable();
  return std::unique_ptr<Lexicon>(new Lexicon(std::move(impl)));
}

std::vector<ConceptHit> Lexicon::Match(std::string_view text, bool expand_broader) const {
  std::string accented = NormalizeAccented(text);
  Tokens toks = Tokenize(accented);
  std::vector<std::string_view> f, a;
  f.reserve(toks.tokens.size());
  a.reserve(toks.tokens.size());
  for (const Token& t : toks.tokens) {
    f.emplace_back(t.Base());
    a.push_back(t.singular.empty() ? t.accented : t.Base());
  }
  return MatchTokens(f, a, expand_broader);
}

std::vector<ConceptHit> Lexicon::MatchTokens(const std::vector<std::string_view>& folded,
                                             const std::vector<std::string_view>& accented,
                                             bool expand_broader) const {
  const Impl& im = *impl_;
  struct Hit {
    uint32_t concept_index;
    uint32_t begin, length;  // token span
    bool accented, broader;
  };
  std::vector<Hit> hits;
  std::vector<std::pair<size_t, const Impl::Node*>> found;  // (length, node)
  size_t n = std::min(folded.size(), accented.size());
  for (size_t i = 0; i < n;) {
    found.clear();
    uint64_t key = 0;
    for (size_t len = 1; len <= im.max_len && i + len <= n; ++len) {
      key = ChainHash(key, folded[i + len - 1]);
      const Impl::Slot* slot = im.FindSlot(key);
      if (slot == nullptr) break;
      if (slot->has_terms &&
          std::equal(slot->node->folded.begin(), slot->node->folded.end(), folded.begin() + i,
                     [](const std::string& a, std::string_view b) { return a == b; })) {
        found.emplace_back(len, slot->node);
      }
      if (!slot->prefix) break;
    }
    size_t matched_len = 0;
    for (auto f = found.rbegin(); f != found.rend() && matched_len == 0; ++f) {
      size_t len = f->first;
      bool text_accented = false;
      for (size_t j = 0; j < len; ++j) text_accented |= accented[i + j] != folded[i + j];
      size_t first_hit = hits.size();
      for (const Impl::Term& term : f->second->terms) {
        // A syllable with diacritics on both sides must agree ("lụa" is not
        // "lúa"); a side without diacritics matches any.
        bool compatible = true, exact = true;
        for (size_t j = 0; j < len && compatible; ++j) {
          if (accented[i + j] == term.accented[j]) continue;
          exact = false;
          bool text_marked = accented[i + j] != folded[i + j];
          bool term_marked = term.accented[j] != folded[i + j];
          if (text_marked && term_marked) compatible = false;
        }
        if (!compatible) continue;
        bool acc = exact && text_accented;
        auto same = std::find_if(hits.begin() + first_hit, hits.end(), [&](const Hit& h) {
          return h.concept_index == term.concept_index;
        });
        if (same == hits.end()) {
          hits.push_back(Hit{term.concept_index, static_cast<uint32_t>(i),
                             static_cast<uint32_t>(len), acc, false});
        } else {
          same->accented |= acc;
        }
      }
      if (hits.size() == first_hit) continue;
      matched_len = len;
      // Prefer what the diacritics say: when some concept matched exactly
      // with accents, drop those that matched only through the folded form.
      bool any_accented = std::any_of(hits.begin() + first_hit, hits.end(),
                                      [](const Hit& h) { return h.accented; });
      if (any_accented) {
        hits.erase(std::remove_if(hits.begin() + first_hit, hits.end(),
                                  [](const Hit& h) { return !h.accented; }),
                   hits.end());
      }
    }
    i += matched_len ? matched_len : 1;
  }
  if (expand_broader && !hits.empty()) {
    std::vector<uint32_t> seen;
    for (const Hit& h : hits) seen.push_back(h.concept_index);
    size_t direct = hits.size();
    std::vector<uint32_t> level, next;
    for (size_t h = 0; h < direct; ++h) {
      level.assign(1, hits[h].concept_index);
      for (int depth = 0; depth < im.options.max_broader_depth && !level.empty(); ++depth) {
        next.clear();
        for (uint32_t ci : level) {
          for (uint32_t bi : im.broader[ci]) {
            if (std::find(seen.begin(), seen.end(), bi) != seen.end()) continue;
            seen.push_back(bi);
            hits.push_back(Hit{bi, hits[h].begin, hits[h].length, false, true});
            next.push_back(bi);
          }
        }
        level.swap(next);
      }
    }
  }
  std::vector<ConceptHit> out;
  out.reserve(hits.size());
  for (const Hit& h : hits) {
    ConceptHit& c = out.emplace_back();
    c.concept_id = im.concepts[h.concept_index].id;
    for (uint32_t j = 0; j < h.length; ++j) {
      if (j) c.matched.push_back(' ');
      c.matched.append(accented[h.begin + j]);
    }
    c.accented = h.accented;
    c.broader = h.broader;
  }
  return out;
}

const Concept* Lexicon::Find(std::string_view id) const {
  auto it = impl_->by_id.find(std::string(id));
  return it == impl_->by_id.end() ? nullptr : &impl_->concepts[it->second];
}

size_t Lexicon::size() const { return impl_->concepts.size(); }

const std::vector<Concept>& Lexicon::concepts() const { return impl_->concepts; }

}  // namespace ketnoi::indexer
