// Staff feedback on matches: verdicts per (need, candidate), stored in the
// store's feedback family, and a learned re-weighting of the ranker's
// features from those verdicts (pairwise logistic ranking).
//
// Key layout (family kFeedback): need id \0 candidate id -> feedback JSON
//   {"need","candidate","verdict","reason","by","at_ms"}
// The latest verdict on a pair replaces the earlier one.
// Thread safety: FeedbackStore is safe for concurrent use (the store is).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/ranker.h"

namespace ketnoi::engine {

class Store;

enum class Verdict { kShortlisted, kContacted, kAccepted, kRejected };
std::string_view VerdictName(Verdict v);
bool ParseVerdict(std::string_view s, Verdict* out);
// The feedback feature's value for a verdict: accepted 1, contacted 0.6,
// shortlisted 0.3, rejected -1.
double VerdictValue(Verdict v);

struct Feedback {
  std::string need_id;
  std::string candidate_id;
  Verdict verdict = Verdict::kShortlisted;
  std::string reason;  // required for kRejected
  std::string by;      // who recorded it (API key id or "cli")
  int64_t at_ms = 0;   // set by Put when 0
};

class FeedbackStore {
 public:
  explicit FeedbackStore(Store* store) : store_(store) {}

  // Validates (need and candidate exist, a rejection has a reason, reason
  // <= 1 KiB) and stores. NotFound naming the unknown id.
  Status Put(Feedback fb);
  StatusOr<Feedback> Get(std::string_view need_id, std::string_view candidate_id) const;
  // All verdicts on one need, by candidate id.
  StatusOr<std::vector<Feedback>> ForNeed(std::string_view need_id) const;
  StatusOr<std::vector<Feedback>> All() const;

  static std::string Encode(const Feedback& fb);
  static StatusOr<Feedback> Decode(std::string_view json);

 private:
  Store* store_;
};

// One judged (need, candidate) pair as feature values, for learning.
struct LabeledPair {
  std::string group;  // the need id: pairs are compared within a need
  std::array<double, kNumRankFeatures> values{};
  double label = 0;   // higher is better (e.g. accepted 2, contacted 1, rejected 0)
};

struct LearnOptions {
  int epochs = 200;
  double learning_rate = 0.05;
  // Pull towards the prior weights: with little feedback the defaults stay.
  double l2_to_prior = 0.05;
};

// Learns ranker weights by pairwise logistic loss over pairs of the same
// group with different labels, starting from and regularised towards
// `prior`. The feedback feature keeps its prior weight (it is the label).
// InvalidArgument when no group has two different labels.
StatusOr<RankerWeights> LearnWeights(const std::vector<LabeledPair>& pairs,
                                     const RankerWeights& prior, const LearnOptions& options = {});

}  // namespace ketnoi::engine
