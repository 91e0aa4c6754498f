#include "engine/feedback.h"

#include <chrono>
#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

#include "engine/store.h"

namespace ketnoi::engine {
namespace {

std::string PairKey(std::string_view need, std::string_view cand) {
  std::string k(need);
  k.push_back('\0');
  k.append(cand);
  return k;
}

Status CandidateExists(const Store& store, const std::string& id) {
  if (store.GetSupplier(id).ok() || store.GetExpert(id).ok()) return Status::OK();
  return NotFound("unknown candidate '" + id + "' (no supplier or expert has this id)");
}

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kShortlisted: return "shortlisted";
    case Verdict::kContacted: return "contacted";
    case Verdict::kAccepted: return "accepted";
    case Verdict::kRejected: return "rejected";
  }
  return "shortlisted";
}

bool ParseVerdict(std::string_view s, Verdict* out) {
  for (Verdict v : {Verdict::kShortlisted, Verdict::kContacted, Verdict::kAccepted,
                    Verdict::kRejected}) {
    if (VerdictName(v) == s) {
      *out = v;
      return true;
    }
  }
  return false;
}

double VerdictValue(Verdict v) {
  switch (v) {
    case Verdict::kShortlisted: return 0.3;
    case Verdict::kContacted: return 0.6;
    case Verdict::kAccepted: return 1.0;
    case Verdict::kRejected: return -1.0;
  }
  return 0;
}

std::string FeedbackStore::Encode(const Feedback& fb) {
  nlohmann::json j = {{"need", fb.need_id},         {"candidate", fb.candidate_id},
                      {"verdict", VerdictName(fb.verdict)}, {"reason", fb.reason},
                      {"by", fb.by},                {"at_ms", fb.at_ms}};
  return j.dump();
}

StatusOr<Feedback> FeedbackStore::Decode(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Corruption("feedback record is not JSON");
  Feedback fb;
  try {
    fb.need_id = j.at("need").get<std::string>();
    fb.candidate_id = j.at("candidate").get<std::string>();
    if (!ParseVerdict(j.at("verdict").get<std::string>(), &fb.verdict)) {
      return Corruption("feedback record has an unknown verdict");
    }
    fb.reason = j.value("reason", "");
    fb.by = j.value("by", "");
    fb.at_ms = j.value("at_ms", int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return Corruption(std::string("feedback record: ") + e.what());
  }
  return fb;
}

Status FeedbackStore::Put(Feedback fb) {
  if (fb.need_id.empty()) return InvalidArgument("field 'need' is required");
  if (fb.candidate_id.empty()) return InvalidArgument("field 'candidate' is required");
  if (fb.reason.size() > 1024) return InvalidArgument("field 'reason' is longer than 1024 bytes");
  if (fb.verdict == Verdict::kRejected && fb.reason.empty()) {
    return InvalidArgument("field 'reason' is required when the verdict is 'rejected'");
  }
  auto need = store_->GetNeed(fb.need_id);
  if (!need.ok()) return NotFound("unknown need '" + fb.need_id + "'");
  Status s = CandidateExists(*store_, fb.candidate_id);
  if (!s.ok()) return s;
  if (fb.at_ms == 0) {
    fb.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  }
  return store_->PutRaw(Family::kFeedback, PairKey(fb.need_id, fb.candidate_id), Encode(fb));
}

StatusOr<Feedback> FeedbackStore::Get(std::string_view need_id,
                                      std::string_view candidate_id) const {
  auto raw = store_->GetRaw(Family::kFeedback, PairKey(need_id, candidate_id));
  if (!raw.ok()) return raw.status();
  return Decode(*raw);
}

StatusOr<std::vector<Feedback>> FeedbackStore::ForNeed(std::string_view need_id) const {
  std::vector<Feedback> out;
  std::string prefix(need_id);
  prefix.push_back('\0');
  Status bad;
  Status s = store_->ScanRaw(Family::kFeedback, prefix, "",
                             [&](std::string_view, std::string_view value) {
                               auto fb = Decode(value);
                               if (!fb.ok()) {
                                 bad = fb.status();
                                 return false;
                               }
                               out.push_back(std::move(*fb));
                               return true;
                             });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

StatusOr<std::vector<Feedback>> FeedbackStore::All() const { return ForNeed(""); }

StatusOr<RankerWeights> LearnWeights(const std::vector<LabeledPair>& pairs,
                                     const RankerWeights& prior, const LearnOptions& options) {
  // Difference vectors x_pos - x_neg for every ordered pair within a group.
  std::map<std::string, std::vector<const LabeledPair*>> groups;
  for (const auto& p : pairs) groups[p.group].push_back(&p);
  std::vector<std::array<double, kNumRankFeatures>> diffs;
  for (const auto& [group, members] : groups) {
    for (const LabeledPair* a : members) {
      for (const LabeledPair* b : members) {
        if (a->label <= b->label) continue;
        std::array<double, kNumRankFeatures> d{};
        for (int i = 0; i < kNumRankFeatures; ++i) d[i] = a->values[i] - b->values[i];
        diffs.push_back(d);
      }
    }
  }
  if (diffs.empty()) {
    return InvalidArgument("no need has feedback with two different verdicts to learn from");
  }
  const int kFeedbackIndex = static_cast<int>(RankFeature::kFeedback);
  RankerWeights w = prior;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::array<double, kNumRankFeatures> grad{};
    for (const auto& d : diffs) {
      double margin = 0;
      for (int i = 0; i < kNumRankFeatures; ++i) margin += w.w[i] * d[i];
      // d/dw log(1 + exp(-margin)) = -sigmoid(-margin) * d
      double g = -1.0 / (1.0 + std::exp(margin));
      for (int i = 0; i < kNumRankFeatures; ++i) grad[i] += g * d[i];
    }
    for (int i = 0; i < kNumRankFeatures; ++i) {
      if (i == kFeedbackIndex) continue;
      double reg = options.l2_to_prior * (w.w[i] - prior.w[i]);
      w.w[i] -= options.learning_rate * (grad[i] / diffs.size() + reg);
    }
  }
  return w;
}

}  // namespace ketnoi::engine
