// Ranker: scores one (need, candidate) pair as a weighted sum of named
// features, and keeps every feature's value and contribution so the score
// can be explained to a review board.
//
// Features (value ranges; the weight multiplies the value):
//   semantic   [0,1]   cosine of the dense vectors (indexer embedder)
//   lexical    [0,1]   BM25 score of the candidate over the query's normaliser
//                      (its own BM25 reference, or the best candidate's
//                      BM25: MatcherOptions::lexical_norm), capped at 1
//   concepts   [0,1]   share of the need's lexicon concepts the candidate names,
//                      those named with the need's own words at half (ConceptValue)
//   accent     [0,1]   share of the need's accented syllables matched with accents
//   sector     [-1,1]  candidate speaks of the facility's chain (+), of others only (-)
//   geography  [-1,1]  serves the facility's province / nationwide / distance
//   capacity   [-1,1]  parsed capacities on both sides agree (+) or differ 10x (-)
//   budget     [-1,1]  candidate's prices within the budget (+) or far above (-)
//   chain      [0,1]   value-chain fit from the graph (already serves partners)
//   feedback   [-1,1]  staff verdicts on this pair (accepted +1 ... rejected -1)
// Thread-safe: Ranker is immutable after construction.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "indexer/analyzer.h"

namespace ketnoi::indexer {
class Lexicon;
}

namespace ketnoi::engine {

enum class RankFeature {
  kSemantic = 0,
  kLexical,
  kConcepts,
  kAccent,
  kSector,
  kGeography,
  kCapacity,
  kBudget,
  kChain,
  kFeedback,
};
inline constexpr int kNumRankFeatures = 10;
std::string_view RankFeatureName(RankFeature f);  // "semantic", ...
bool ParseRankFeature(std::string_view name, RankFeature* out);

struct RankerWeights {
  // Defaults: documented in docs/matching.md and data/config/ranker.json.
  std::array<double, kNumRankFeatures> w = {
      0.10,  // semantic
      0.60,  // lexical
      0.40,  // concepts
      0.05,  // accent
      0.10,  // sector
      0.25,  // geography
      0.10,  // capacity
      0.08,  // budget
      0.10,  // chain
      0.50,  // feedback
  };
  double bias = 0.0;
  double Of(RankFeature f) const { return w[static_cast<int>(f)]; }

  // JSON object {"semantic":0.3,...,"bias":0}; unknown names and
  // non-numbers are InvalidArgument naming the key; missing keys keep their
  // defaults.
  static StatusOr<RankerWeights> FromJson(std::string_view json);
  std::string ToJson() const;
};

// Order-free views of an analysis that the set features (concepts, accent,
// sector) compare, computed once per party instead of once per pair: a
// candidate is scored against hundreds of needs and a need against hundreds
// of candidates. Equal analyses give equal keys.
struct RankKeys {
  std::vector<uint64_t> accented;  // hashes of the distinct accented syllables, sorted
  // The hashes of the folded forms of the `accented` syllables ("lúa" ->
  // "lua"), one per accented syllable, sorted ("lúa" and "lụa" give two
  // equal entries). AccentValue asks whether a syllable written with other
  // accents is the same one, in two linear merges.
  std::vector<uint32_t> accented_folded;
  std::vector<uint64_t> concepts;  // hashes of the distinct concept ids, sorted
  // Distinct concepts in order of first mention: (index into
  // analysis.concepts, its hash); the flag `broader` is that mention's.
  std::vector<std::pair<uint32_t, uint64_t>> concept_order;
  // Hashes of the folded words of every concept hit's span, sorted,
  // distinct; and per concept_order entry, the words of that first mention:
  // [order_words_begin[i], order_words_begin[i + 1]) in order_words.
  // ConceptValue asks whether a candidate names a concept with the need's
  // own words.
  std::vector<uint64_t> span_words;
  std::vector<uint32_t> order_words_begin;
  std::vector<uint64_t> order_words;
  std::vector<std::string> chains;  // distinct chains its concepts belong to
  // Hashes of the concepts it names itself (not broader ones) that belong
  // to no chain and are bought or engaged (equipment, services,
  // certifications: a boiler, a heat pump, an energy audit, OCOP), sorted:
  // SectorValue asks whether a candidate of other chains offers one.
  std::vector<uint64_t> cross_chain;
  // The share of the text's words inside lexicon terms: distinct words of
  // the concept spans over the text's length, capped at 1. A need's share
  // says how far the lexicon (and the projection learned with its
  // concepts) speaks for it: ScoreFeatures counts concepts and semantic
  // similarity in full from kRecognizedForFullWeight up.
  double recognized = 0;

  // `lexicon` tells which concepts give a chain (ChainEvidence); null: all.
  static RankKeys Of(const indexer::Analysis& a, const indexer::Lexicon* lexicon = nullptr);
};

// One side of a match, as the ranker sees it.
struct MatchSide {
  const indexer::Analysis* analysis = nullptr;  // REQUIRES: non-null
  std::string id;
  std::string name;
  std::string province_id;    // resolved current province ("" when unknown)
  std::string province_name;     // display name of the current province
  std::string province_name_en;  // its English name
  double lat = 0, lon = 0;
  bool has_place = false;
  std::vector<std::string> serves_ids;  // suppliers only
  bool nationwide = false;
  bool declares_service_area = false;   // suppliers: true; experts/facilities: false
  std::string chain;                    // "tea", ... ("" when unknown)
  std::optional<int64_t> budget_vnd;    // needs only
  std::string lang;                     // "vi"/"en" ("" when unknown)
  // RankKeys::Of(*analysis), when the owner keeps them (null: computed per
  // call).
  const RankKeys* keys = nullptr;
};

// Evidence computed outside the ranker for this pair.
struct PairEvidence {
  double dense = 0;          // cosine
  double sparse = 0;         // BM25
  double sparse_max = 0;     // the lexical normaliser (MatcherOptions::lexical_norm)
  // How BM25 / sparse_max becomes the lexical value: capped at 1 (false;
  // the best candidate's BM25 as normaliser gives it 1) or SaturatedLexical
  // (true; the query's own reference as normaliser: a candidate far above
  // the reference still ranks above one just at it).
  bool saturate_lexical = false;
  double chain_fit = 0;      // [0,1] from the graph
  // How far the lexicon speaks for the candidates' market (MarketFactor of
  // their collection), in [0,1]: the features read through the centre's
  // lexicon and units (concepts, sector, capacity) count in proportion.
  double market = 1;
  std::string chain_path;    // "F003 -supplies-> F010 <-equips- S021" (empty: none)
  double feedback = 0;       // [-1,1]
  std::vector<std::string> matched_terms;  // from the sparse index, best first
};

struct Explanation {
  double score = 0;
  std::array<double, kNumRankFeatures> values{};
  std::array<double, kNumRankFeatures> contributions{};
  std::vector<std::string> matched_concepts;  // concept ids named by both sides
  std::vector<std::string> matched_terms;     // plain words, best first
  std::optional<double> distance_km;
  bool serves_province = false;
  std::string capacity_note;  // "500 kg/ngày ~ 300-500 kg/giờ" (as written)
  std::string price_note;
  std::string chain_path;
  std::string reason_vi;
  std::string reason_en;
};

enum class Direction {
  kNeedToSupplier,  // candidate = supplier
  kNeedToExpert,    // candidate = expert
  kLead,            // "need" side = the supplier/expert, candidate = a facility's need
};

class Ranker {
 public:
  // `lexicon` (may be null) names concepts in reasons; not owned.
  Ranker(RankerWeights weights, const indexer::Lexicon* lexicon);

  // Scores `candidate` for `need`. For Direction::kLead the sides keep their
  // roles: `need` is still the facility's need and `candidate` the
  // supplier/expert; only the wording of the reason changes.
  Explanation Score(const MatchSide& need, const MatchSide& candidate,
                    const PairEvidence& evidence, Direction direction) const;
  // Score in two steps, for ranking many candidates and explaining few:
  // ScoreFeatures gives the values, contributions, score and notes (no
  // reasons, evidence.matched_terms ignored); Reason writes reason_vi/en
  // from them and e->matched_terms. Score(...) with no matched terms equals
  // ScoreFeatures followed by Reason.
  // `notes` false leaves matched_concepts, capacity_note and price_note
  // empty (the values are the same): ranking many candidates allocates no
  // text; Notes adds them to the few kept.
  Explanation ScoreFeatures(const MatchSide& need, const MatchSide& candidate,
                            const PairEvidence& evidence, bool notes = true) const;
  void Notes(const MatchSide& need, const MatchSide& candidate, Explanation* e) const;
  void Reason(const MatchSide& need, const MatchSide& candidate, Direction direction,
              Explanation* e) const;

  const RankerWeights& weights() const { return weights_; }

 private:
  RankerWeights weights_;
  const indexer::Lexicon* lexicon_;
};

// The lexical value of x = BM25 / the query's own reference: 0.8 x up to
// the reference (ratios kept: a document holding the query's words outranks
// one sharing a few of its n-grams by as much as BM25 says), then rising to 1
// with the same slope at the joint, 1 - 0.2 e^(-4 (x - 1)).
double SaturatedLexical(double x);

// From this share of a need's words inside lexicon terms
// (RankKeys::recognized) up, the concept and semantic features count in
// full; below it in proportion. The centre's needs have 0.1-0.5 (a tenth is
// one machine term in a ten-word need); product titles and citizens'
// questions under 0.1 (docs/matching.md).
inline constexpr double kRecognizedForFullWeight = 0.1;

// The same question asked of a market (the suppliers or the experts): the
// features read through the centre's lexicon and units (concepts, the
// sector read from them, capacities) count in full when at least this share
// of its listings has kRecognizedForFullWeight or more, in proportion
// below. The centre's markets have 0.9 and more; a consumer catalogue or a
// set of citizens' answers under a hundredth (docs/matching.md, "A market
// the lexicon does not speak for").
inline constexpr double kMarketShareForFullWeight = 0.5;
// min(1, share / kMarketShareForFullWeight) for `recognized` of `total`
// listings, rounded down to a tenth (a listing more or less does not change
// it, so stored lists stay current); 1 for an empty market.
double MarketFactor(size_t recognized, size_t total);

// Feature functions, exposed for tests and for learning weights. A null
// `note` or `matched` is not written.
double GeographyValue(const MatchSide& need, const MatchSide& cand, std::optional<double>* km,
                      bool* serves);
double CapacityValue(const indexer::Analysis& need, const indexer::Analysis& cand,
                     std::string* note);
double BudgetValue(std::optional<int64_t> budget, const indexer::Analysis& need,
                   const indexer::Analysis& cand, std::string* note);
// The share of the need's concepts (broader ones count 0.3) that the
// candidate names, a concept named in other words (another language, a
// synonym, a variant: "máy sấy chè" / "tea dryer") in full and one named
// with the need's own words (after folding) at half: those words are
// already in the lexical value, BM25 counts the concept term too, and
// counting them a third time in full let a generic concept both texts
// happen to name ("stainless steel", "oven") outweigh the words that tell
// two products apart. `matched` gets every shared direct concept either way
// (the reasons name them).
double ConceptValue(const indexer::Analysis& need, const indexer::Analysis& cand,
                    std::vector<std::string>* matched);
// Accents typed that the candidate contradicts: minus the share of the
// need's accented syllables the candidate writes only with other accents
// ("lụa", silk, for "lúa", rice), in [-1, 0]. A candidate writing them the
// same way, or without accents at all, says nothing either way: the same
// accents already score in the lexical value (the accented term), and
// counting them again here rewarded long texts sharing common words.
double AccentValue(const indexer::Analysis& need, const indexer::Analysis& cand);
double SectorValue(std::string_view chain, const indexer::Analysis& cand);
// The same from precomputed keys (`need` names the matched concepts).
double ConceptValue(const indexer::Analysis& need, const RankKeys& need_keys,
                    const RankKeys& cand_keys, std::vector<std::string>* matched);
double AccentValue(const RankKeys& need, const RankKeys& cand);
double SectorValue(std::string_view chain, const RankKeys& cand);
// The same, knowing the need: a candidate that names only other chains but
// offers a cross-chain thing the need names (RankKeys::cross_chain: "lò
// hơi", "máy sấy bơm nhiệt", "OCOP") gets 0, not -0.5: the chains it names
// are the ones its boilers or dryers served before, not what it is.
double SectorValue(std::string_view chain, const RankKeys& need, const RankKeys& cand);
// The chain a concept id belongs to ("tea.dryer" -> "tea", "mech.lathe" ->
// "mechanical"); "" for generic concepts.
std::string ChainOfConcept(std::string_view concept_id);
// Which of `a.concepts` say what chain the text belongs to: all but a metal
// (a material of the mechanical chain: steel, stainless steel, aluminium,
// cast iron) named beside other concepts, and the broader concepts that
// metal brought (the hits of the same span). Beside a machine or a product
// a metal is what that thing is built of: "máy sấy chè inox 304" is a tea
// dryer, not metalwork. Named alone ("thép tấm", "inox 304 cuộn") it is the
// purchase itself and counts. Without a lexicon (no categories) all count.
std::vector<bool> ChainEvidence(const indexer::Analysis& a, const indexer::Lexicon* lexicon);

}  // namespace ketnoi::engine
