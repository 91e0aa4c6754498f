#include "benchmarks/gen/generator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <set>
#include <tuple>

namespace ketnoi::gen {
namespace {

// Buffered writer to `dir/name`, written under a temporary name and renamed
// on Close so a reader never sees half a file.
class OutFile {
 public:
  OutFile(const std::string& dir, const std::string& name)
      : path_(dir + "/" + name), tmp_(path_ + ".tmp") {
    f_ = std::fopen(tmp_.c_str(), "wb");
  }
  ~OutFile() {
    if (f_) std::fclose(f_);
  }
  bool ok() const { return f_ != nullptr && !failed_; }
  void Line(const std::string& s) {
    buf_ += s;
    buf_ += '\n';
    if (buf_.size() > (1 << 20)) Flush();
  }
  Status Close(int64_t* bytes) {
    Flush();
    if (!f_ || failed_ || std::fclose(f_) != 0) {
      f_ = nullptr;
      return IOError("cannot write " + tmp_);
    }
    f_ = nullptr;
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return IOError("cannot rename " + tmp_ + ": " + ec.message());
    *bytes += static_cast<int64_t>(std::filesystem::file_size(path_, ec));
    return Status::OK();
  }

 private:
  void Flush() {
    if (f_ && !buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) failed_ = true;
    buf_.clear();
  }
  std::string path_, tmp_, buf_;
  FILE* f_ = nullptr;
  bool failed_ = false;
};

template <typename T>
void AddUnique(std::vector<T>* v, T x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}

Style DrawStyle(Rng& r, double en, double plain) {
  double u = r.Unit();
  return u < en ? Style::kEn : u < en + plain ? Style::kViPlain : Style::kVi;
}

// The planted candidates of one judged need and the grade each was built for.
struct Plant {
  int need;
  int profile;  // index into the supplier or expert profiles before shuffling
  bool expert;
  int grade;
};

class Builder {
 public:
  Builder(const World& w, const GenOptions& o) : w_(w), o_(o) {
    for (const GenChain& c : w.chains()) {
      weights_.push_back(c.weight);
      std::vector<std::vector<int>> eq, ex;
      for (const engine::ChainStage& s : c.chain->stages) {
        eq.emplace_back();
        ex.emplace_back();
        for (const auto& id : s.equipment) if (int k = w.ConceptIndex(id); k >= 0) eq.back().push_back(k);
        for (const auto& id : s.expertise) if (int k = w.ConceptIndex(id); k >= 0) ex.back().push_back(k);
      }
      stage_eq_.push_back(std::move(eq));
      stage_ex_.push_back(std::move(ex));
      for (int k : c.equipment) AddUnique(&all_equipment_, k);
      for (int k : c.expertise) AddUnique(&all_expertise_, k);
    }
    for (size_t i = 0; i < w.concepts().size(); ++i) {
      const std::string& cat = w.concepts()[i].category;
      if (cat == "expertise" || cat == "certification") AddUnique(&general_expertise_, static_cast<int>(i));
    }
    // General goods and general business advice: what no chain stage names.
    for (size_t i = 0; i < w.concepts().size(); ++i) {
      const int k = static_cast<int>(i);
      if (w.concepts()[i].category == "equipment" &&
          std::find(all_equipment_.begin(), all_equipment_.end(), k) == all_equipment_.end()) {
        general_equipment_.push_back(k);
      }
      if (std::find(general_expertise_.begin(), general_expertise_.end(), k) != general_expertise_.end() &&
          std::find(all_expertise_.begin(), all_expertise_.end(), k) == all_expertise_.end()) {
        general_topics_.push_back(k);
      }
    }
    for (int k : general_expertise_) AddUnique(&all_expertise_, k);
  }

  int RandomProvince(Rng& r, int chain) {
    const GenChain& c = w_.chains()[chain];
    if (r.Chance(0.5)) return r.Pick(c.typical_provinces);
    return static_cast<int>(r.Below(w_.provinces().size()));
  }
  // A province outside region `region`.
  int ProvinceElsewhere(Rng& r, const std::string& region) {
    for (;;) {
      int p = static_cast<int>(r.Below(w_.provinces().size()));
      if (w_.provinces()[p].region != region) return p;
    }
  }
  int ChainOfConcept(int c, int fallback) const {
    for (size_t i = 0; i < w_.chains().size(); ++i) {
      const auto& eq = w_.chains()[i].equipment;
      if (std::find(eq.begin(), eq.end(), c) != eq.end()) return static_cast<int>(i);
    }
    return fallback;
  }

  void Facilities(int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      Rng r(SeedFor(o_.seed, "facility", i));
      FacilityRec f;
      f.chain = static_cast<uint8_t>(r.Weighted(weights_));
      const GenChain& chain = w_.chains()[f.chain];
      f.stage = static_cast<uint8_t>(r.Below(chain.chain->stages.size()));
      f.province = static_cast<uint8_t>(r.Chance(0.65) ? r.Pick(chain.typical_provinces)
                                                        : r.Below(w_.provinces().size()));
      f.style = DrawStyle(r, 0.05, 0.28);
      f.first_need = static_cast<int32_t>(needs.size());
      f.need_count = static_cast<uint8_t>(1 + r.Weighted({0.45, 0.35, 0.20}));
      for (int k = 0; k < f.need_count; ++k) {
        NeedRec n;
        n.facility = static_cast<int32_t>(i);
        n.expert = r.Chance(0.35);
        const auto& stage_pool = (n.expert ? stage_ex_ : stage_eq_)[f.chain][f.stage];
        const auto& chain_pool = n.expert ? chain.expertise : chain.equipment;
        n.concept_id = static_cast<int16_t>(!stage_pool.empty() && r.Chance(0.8) ? r.Pick(stage_pool)
                                                                              : r.Pick(chain_pool));
        const GenConcept& c = w_.concept_at(n.concept_id);
        n.form = static_cast<int8_t>(PickForm(c, f.style, -1, r));
        if (!n.expert) {
          if (c.throughput && r.Chance(0.85)) n.capacity = static_cast<float>(NiceCapacity(r.LogUniform(30, 5000)));
          if (r.Chance(0.8)) n.budget = NiceRound(c.base_price * r.Uniform(0.7, 2.5));
        }
        needs.push_back(n);
      }
      facilities.push_back(f);
    }
  }

  void Sample(int64_t q) {
    std::vector<int32_t> idx(needs.size());
    std::iota(idx.begin(), idx.end(), 0);
    Rng r(SeedFor(o_.seed, "sample", 0));
    for (int64_t i = 0; i < q; ++i) {
      std::swap(idx[i], idx[i + r.Below(idx.size() - i)]);
      needs[idx[i]].judged = true;
    }
  }

  // Capacity and price of a supplier profile for need n (fits when fit).
  void SizeFor(Rng& r, const NeedRec& n, SupplierRec* s) {
    const GenConcept& c = w_.concept_at(n.concept_id);
    double center = n.capacity > 0 ? n.capacity * r.Uniform(0.85, 1.2) : r.LogUniform(30, 5000);
    if (c.throughput) {
      s->cap_lo = static_cast<float>(NiceCapacity(center / 1.6));
      s->cap_hi = static_cast<float>(NiceCapacity(center * 1.6));
    }
    if (n.budget > 0 && r.Chance(0.8)) s->price = NiceRound(n.budget * r.Uniform(0.4, 0.9));
    else if (n.budget == 0 && r.Chance(0.6)) s->price = NiceRound(c.base_price * r.Uniform(0.5, 1.5));
  }

  SupplierRec PlantedSupplier(Rng& r, int need_index, int grade) {
    const NeedRec& n = needs[need_index];
    const FacilityRec& f = facilities[n.facility];
    const GenProvince& P = w_.provinces()[f.province];
    SupplierRec s;
    s.seed = r.Next();
    s.chain = f.chain;
    s.style = DrawStyle(r, 0.3, 0.1);
    if (IsEnglish(s.style) == IsEnglish(f.style)) s.avoid_form = n.form;
    s.concepts.push_back(n.concept_id);
    const auto& pool = w_.chains()[f.chain].equipment;
    for (int k = static_cast<int>(r.Below(3)); k > 0; --k) AddUnique(&s.concepts, static_cast<int16_t>(r.Pick(pool)));
    SizeFor(r, n, &s);
    const GenConcept& c = w_.concept_at(n.concept_id);
    // Grade 1: exactly one of geography, capacity and price is off.
    std::vector<int> neighbours;  // P's region without P
    for (int p : w_.Region(P.region)) {
      if (p != f.province) neighbours.push_back(p);
    }
    std::vector<int> breakable;
    if (!neighbours.empty()) breakable.push_back(0);
    if (n.capacity > 0 && c.throughput) breakable.push_back(1);
    if (n.budget > 0) breakable.push_back(2);
    if (breakable.empty()) breakable.push_back(-1);  // cannot be a near miss: the judge says so
    const int broken = grade == 1 ? r.Pick(breakable) : -1;
    if (broken == 0) {  // serves the region's other provinces, not P
      s.province = static_cast<uint8_t>(r.Pick(neighbours));
      s.serves.push_back(s.province);
      for (int p : neighbours) {
        if (p != s.province && r.Chance(0.3)) s.serves.push_back(static_cast<uint8_t>(p));
      }
    } else {
      s.province = static_cast<uint8_t>(r.Chance(0.4) ? f.province : RandomProvince(r, f.chain));
      s.nationwide = r.Chance(0.35);
      s.serves.push_back(s.province);
      AddUnique(&s.serves, f.province);
      for (int p : w_.Region(P.region)) {
        if (r.Chance(0.3)) AddUnique(&s.serves, static_cast<uint8_t>(p));
      }
    }
    if (broken == 1) {
      double center = n.capacity * (r.Chance(0.5) ? r.Uniform(5, 8) : 1 / r.Uniform(5, 8));
      s.cap_lo = static_cast<float>(NiceCapacity(center / 1.6));
      s.cap_hi = static_cast<float>(NiceCapacity(center * 1.6));
    }
    if (broken == 2) s.price = NiceRound(n.budget * r.Uniform(2, 4));
    return s;
  }

  SupplierRec Distractor(Rng& r, int need_index) {
    const NeedRec& n = needs[need_index];
    const FacilityRec& f = facilities[n.facility];
    SupplierRec s;
    s.seed = r.Next();
    int d = w_.LookAlike(n.concept_id, all_equipment_, r.Next());
    while (d < 0 || w_.Related(d, n.concept_id)) d = r.Pick(all_equipment_);
    s.concepts.push_back(static_cast<int16_t>(d));
    s.chain = static_cast<uint8_t>(ChainOfConcept(d, f.chain));
    s.style = DrawStyle(r, 0.25, 0.1);
    s.province = f.province;
    s.serves.push_back(f.province);
    if (w_.concept_at(d).throughput) {
      double center = r.LogUniform(30, 5000);
      s.cap_lo = static_cast<float>(NiceCapacity(center / 1.6));
      s.cap_hi = static_cast<float>(NiceCapacity(center * 1.6));
    }
    return s;
  }

  // A supplier of general goods (motors, pumps, lighting, racking, ...) that
  // no chain stage names: part of the haystack, never a fit for a need.
  SupplierRec GeneralSupplier(Rng& r) {
    SupplierRec s;
    s.seed = r.Next();
    s.chain = static_cast<uint8_t>(r.Weighted(weights_));
    s.style = DrawStyle(r, 0.2, 0.15);
    s.province = static_cast<uint8_t>(r.Below(w_.provinces().size()));
    s.nationwide = r.Chance(0.15);
    s.serves.push_back(s.province);
    const auto& mates = w_.Region(w_.provinces()[s.province].region);
    for (int k = static_cast<int>(r.Below(5)); k > 0; --k) AddUnique(&s.serves, static_cast<uint8_t>(r.Pick(mates)));
    for (int k = static_cast<int>(r.Between(1, 4)); k > 0; --k) {
      AddUnique(&s.concepts, static_cast<int16_t>(r.Pick(general_equipment_)));
    }
    if (r.Chance(0.7)) s.price = NiceRound(w_.concept_at(s.concepts[0]).base_price * r.Uniform(0.5, 1.5));
    return s;
  }

  SupplierRec BackgroundSupplier(Rng& r) {
    SupplierRec s;
    s.seed = r.Next();
    s.chain = static_cast<uint8_t>(r.Weighted(weights_));
    const GenChain& chain = w_.chains()[s.chain];
    s.style = DrawStyle(r, 0.25, 0.12);
    s.province = static_cast<uint8_t>(RandomProvince(r, s.chain));
    s.nationwide = r.Chance(0.15);
    s.serves.push_back(s.province);
    const auto& mates = w_.Region(w_.provinces()[s.province].region);
    for (int k = static_cast<int>(r.Below(5)); k > 0; --k) AddUnique(&s.serves, static_cast<uint8_t>(r.Pick(mates)));
    if (r.Chance(0.1)) AddUnique(&s.serves, static_cast<uint8_t>(r.Below(w_.provinces().size())));
    bool throughput = false;
    for (int k = static_cast<int>(r.Between(1, 4)); k > 0; --k) {
      int c = r.Chance(0.7) ? chain.equipment[r.Below(chain.stage_equipment)] : r.Pick(chain.equipment);
      AddUnique(&s.concepts, static_cast<int16_t>(c));
      throughput |= w_.concept_at(c).throughput;
    }
    if (throughput && r.Chance(0.85)) {
      double center = r.LogUniform(30, 5000);
      s.cap_lo = static_cast<float>(NiceCapacity(center / 1.6));
      s.cap_hi = static_cast<float>(NiceCapacity(center * 1.6));
    }
    if (r.Chance(0.7)) s.price = NiceRound(w_.concept_at(s.concepts[0]).base_price * r.Uniform(0.5, 1.5));
    return s;
  }

  ExpertRec PlantedExpert(Rng& r, int need_index, int grade) {
    const NeedRec& n = needs[need_index];
    const FacilityRec& f = facilities[n.facility];
    const std::string& region = w_.provinces()[f.province].region;
    ExpertRec e;
    e.seed = r.Next();
    e.style = DrawStyle(r, 0.1, 0.1);
    e.organisation = r.Chance(0.3);
    if (IsEnglish(e.style) == IsEnglish(f.style)) e.avoid_form = n.form;
    e.chains.push_back(f.chain);
    e.expertise.push_back(n.concept_id);
    const auto& pool = w_.chains()[f.chain].expertise;
    for (int k = static_cast<int>(r.Below(3)); k > 0; --k) AddUnique(&e.expertise, static_cast<int16_t>(r.Pick(pool)));
    if (grade == 2) {
      e.nationwide = r.Chance(0.3);
      e.province = static_cast<uint8_t>(r.Pick(w_.Region(region)));
    } else if (grade == 1) {
      e.province = static_cast<uint8_t>(ProvinceElsewhere(r, region));
    } else {  // distractor: a look-alike topic, right chain and region
      int d = w_.LookAlike(n.concept_id, all_expertise_, r.Next());
      while (d < 0 || w_.Related(d, n.concept_id)) d = r.Pick(all_expertise_);
      e.expertise = {static_cast<int16_t>(d)};
      e.avoid_form = -1;
      e.province = static_cast<uint8_t>(r.Pick(w_.Region(region)));
    }
    return e;
  }

  // A consultant on general business topics (accounting, law, software)
  // that no chain stage names.
  ExpertRec GeneralExpert(Rng& r) {
    ExpertRec e;
    e.seed = r.Next();
    e.style = DrawStyle(r, 0.08, 0.1);
    e.organisation = r.Chance(0.4);
    e.chains.push_back(static_cast<uint8_t>(r.Weighted(weights_)));
    for (int k = static_cast<int>(r.Between(1, 3)); k > 0; --k) {
      AddUnique(&e.expertise, static_cast<int16_t>(r.Pick(general_topics_)));
    }
    e.province = static_cast<uint8_t>(r.Below(w_.provinces().size()));
    e.nationwide = r.Chance(0.25);
    return e;
  }

  ExpertRec BackgroundExpert(Rng& r) {
    ExpertRec e;
    e.seed = r.Next();
    e.style = DrawStyle(r, 0.08, 0.1);
    e.organisation = r.Chance(0.3);
    e.chains.push_back(static_cast<uint8_t>(r.Weighted(weights_)));
    if (r.Chance(0.3)) AddUnique(&e.chains, static_cast<uint8_t>(r.Weighted(weights_)));
    for (int k = static_cast<int>(r.Between(1, 3)); k > 0; --k) {
      const auto& pool = r.Chance(0.6) ? w_.chains()[r.Pick(e.chains)].expertise : general_expertise_;
      AddUnique(&e.expertise, static_cast<int16_t>(r.Pick(pool)));
    }
    e.province = static_cast<uint8_t>(RandomProvince(r, e.chains[0]));
    e.nationwide = r.Chance(0.18);
    return e;
  }

  const World& w_;
  const GenOptions& o_;
  std::vector<double> weights_;
  std::vector<std::vector<std::vector<int>>> stage_eq_, stage_ex_;  // [chain][stage]
  std::vector<int> all_equipment_, all_expertise_, general_expertise_;
  std::vector<int> general_equipment_, general_topics_;
  std::vector<FacilityRec> facilities;
  std::vector<NeedRec> needs;
  std::vector<SupplierRec> suppliers;
  std::vector<ExpertRec> experts;
  std::vector<Plant> plants;
};

int IdWidth(int64_t n) {
  int w = 6;
  for (int64_t x = 1000000; x <= n; x *= 10) ++w;
  return w;
}

// order[k] = the profile written as record k; returns the inverse.
std::vector<int> Shuffled(size_t n, uint64_t seed, std::vector<int>* order) {
  order->resize(n);
  std::iota(order->begin(), order->end(), 0);
  Rng r(seed);
  r.Shuffle(order);
  std::vector<int> pos(n);
  for (size_t k = 0; k < n; ++k) pos[(*order)[k]] = static_cast<int>(k);
  return pos;
}

}  // namespace

int GradeSupplier(const World& w, const FacilityRec& f, const NeedRec& n, const SupplierRec& s) {
  if (std::find(s.concepts.begin(), s.concepts.end(), n.concept_id) == s.concepts.end()) return 0;
  const bool geo = s.nationwide || std::find(s.serves.begin(), s.serves.end(), f.province) != s.serves.end();
  bool near = geo;
  for (uint8_t p : s.serves) near |= w.provinces()[p].region == w.provinces()[f.province].region;
  if (!near) return 0;  // does not serve the facility's region at all
  const bool cap = n.capacity == 0 || s.cap_hi == 0 || !w.concept_at(n.concept_id).throughput ||
                   (n.capacity >= s.cap_lo / 1.25 && n.capacity <= s.cap_hi * 1.25);
  const bool budget = n.budget == 0 || s.price == 0 || s.price <= n.budget * 1.1;
  const int off = !geo + !cap + !budget;
  return off == 0 ? 2 : off == 1 ? 1 : 0;
}

int GradeExpert(const World& w, const FacilityRec& f, const NeedRec& n, const ExpertRec& e) {
  if (std::find(e.expertise.begin(), e.expertise.end(), n.concept_id) == e.expertise.end()) return 0;
  if (std::find(e.chains.begin(), e.chains.end(), f.chain) == e.chains.end()) return 0;
  const bool geo = e.nationwide || w.provinces()[e.province].region == w.provinces()[f.province].region;
  return geo ? 2 : 1;
}

Status Generate(const World& world, const GenOptions& o, GenReport* report) {
  if (o.out_dir.empty()) return InvalidArgument("--out is required");
  if (o.entities < 200 || o.entities > 20000000) return InvalidArgument("--entities must be in [200, 20000000]");
  if (o.links_per_facility < 0 || o.links_per_facility > 20) return InvalidArgument("--links-per-facility must be in [0, 20]");
  if (!(o.facility_share >= 0.05 && o.supplier_share >= 0.01 &&
        o.facility_share + o.supplier_share <= 0.99))
    return InvalidArgument(
        "--facility-share must be >= 0.05, --supplier-share >= 0.01, and together <= 0.99 "
        "(the rest are experts)");
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return IOError("cannot create " + o.out_dir + ": " + ec.message());

  const int64_t n_fac = std::llround(static_cast<double>(o.entities) * o.facility_share);
  const int64_t n_sup = std::llround(static_cast<double>(o.entities) * o.supplier_share);
  const int64_t n_exp = o.entities - n_fac - n_sup;
  Builder b(world, o);
  b.Facilities(n_fac);
  int64_t q = o.qrels_needs >= 0 ? o.qrels_needs : std::min<int64_t>(1000, o.entities / 40);
  q = std::min<int64_t>(q, static_cast<int64_t>(b.needs.size()));
  b.Sample(q);

  // Planted candidates of the judged needs, then the background market.
  for (size_t i = 0; i < b.needs.size(); ++i) {
    if (!b.needs[i].judged) continue;
    Rng r(SeedFor(o.seed, "plant", i));
    const int ni = static_cast<int>(i);
    if (b.needs[i].expert) {
      for (int g : {2, 2, 1, 0}) {
        b.plants.push_back({ni, static_cast<int>(b.experts.size()), true, g});
        b.experts.push_back(b.PlantedExpert(r, ni, g));
      }
    } else {
      for (int g : {2, 2, 1, 0}) {
        b.plants.push_back({ni, static_cast<int>(b.suppliers.size()), false, g});
        b.suppliers.push_back(g == 0 ? b.Distractor(r, ni) : b.PlantedSupplier(r, ni, g));
      }
    }
  }
  if (static_cast<int64_t>(b.suppliers.size()) * 2 > n_sup || static_cast<int64_t>(b.experts.size()) * 2 > n_exp) {
    return InvalidArgument("too many judged needs for " + std::to_string(o.entities) +
                           " entities: planted candidates would exceed half the suppliers or experts; lower --qrels-needs");
  }
  // Specialised makers and consultants are capped: a bigger market adds
  // general suppliers and consultants, not more makers of one machine
  // (docs/scale-data.md "Market model").
  for (int64_t i = static_cast<int64_t>(b.suppliers.size()); i < n_sup; ++i) {
    Rng r(SeedFor(o.seed, "supplier", i));
    b.suppliers.push_back(i < o.specialised_suppliers || b.general_equipment_.empty()
                              ? b.BackgroundSupplier(r) : b.GeneralSupplier(r));
  }
  for (int64_t i = static_cast<int64_t>(b.experts.size()); i < n_exp; ++i) {
    Rng r(SeedFor(o.seed, "expert", i));
    b.experts.push_back(i < o.specialised_experts || b.general_topics_.empty()
                            ? b.BackgroundExpert(r) : b.GeneralExpert(r));
  }
  std::vector<int> sup_order, exp_order;
  const std::vector<int> sup_pos = Shuffled(b.suppliers.size(), SeedFor(o.seed, "order", 1), &sup_order);
  const std::vector<int> exp_pos = Shuffled(b.experts.size(), SeedFor(o.seed, "order", 2), &exp_order);

  const int width = IdWidth(std::max<int64_t>(o.entities, static_cast<int64_t>(b.needs.size())));
  GenReport rep;
  rep.facilities = n_fac;
  rep.needs = static_cast<int64_t>(b.needs.size());
  rep.suppliers = n_sup;
  rep.experts = n_exp;
  rep.judged_needs = q;

  // Judgements: every supplier or expert offering the need's concept is graded.
  std::vector<std::vector<int>> sup_by_concept(world.concepts().size()), exp_by_concept(world.concepts().size());
  for (size_t k = 0; k < sup_order.size(); ++k) {
    for (int16_t c : b.suppliers[sup_order[k]].concepts) sup_by_concept[c].push_back(static_cast<int>(k));
  }
  for (size_t k = 0; k < exp_order.size(); ++k) {
    for (int16_t c : b.experts[exp_order[k]].expertise) exp_by_concept[c].push_back(static_cast<int>(k));
  }
  OutFile qrels(o.out_dir, "qrels.tsv");
  for (size_t i = 0; i < b.needs.size(); ++i) {
    const NeedRec& n = b.needs[i];
    if (!n.judged) continue;
    const FacilityRec& f = b.facilities[n.facility];
    const std::string nid = MakeId('N', static_cast<int64_t>(i) + 1, width);
    for (int k : (n.expert ? exp_by_concept : sup_by_concept)[n.concept_id]) {
      int g = n.expert ? GradeExpert(world, f, n, b.experts[exp_order[k]])
                       : GradeSupplier(world, f, n, b.suppliers[sup_order[k]]);
      if (g == 0) continue;
      qrels.Line(nid + "\t" + MakeId(n.expert ? 'E' : 'S', k + 1, width) + "\t" + std::to_string(g));
      ++rep.qrels_lines;
      ++(g == 2 ? rep.grade2 : rep.grade1);
    }
  }
  for (const Plant& p : b.plants) {
    const NeedRec& n = b.needs[p.need];
    const FacilityRec& f = b.facilities[n.facility];
    int g = p.expert ? GradeExpert(world, f, n, b.experts[p.profile])
                     : GradeSupplier(world, f, n, b.suppliers[p.profile]);
    ++rep.planted;
    if (g != p.grade) ++rep.planted_grade_mismatch;
  }

  OutFile fac(o.out_dir, "facilities.jsonl"), sup(o.out_dir, "suppliers.jsonl"),
      exp(o.out_dir, "experts.jsonl"), links(o.out_dir, "links.jsonl"), manifest(o.out_dir, "manifest.json");
  if (!fac.ok() || !sup.ok() || !exp.ok() || !links.ok() || !qrels.ok() || !manifest.ok()) {
    return IOError("cannot write into " + o.out_dir);
  }
  for (int64_t i = 0; i < n_fac; ++i) fac.Line(RenderFacility(world, b.facilities, b.needs, static_cast<int>(i), o.seed, width));
  for (size_t k = 0; k < sup_order.size(); ++k) sup.Line(RenderSupplier(world, b.suppliers[sup_order[k]], static_cast<int>(k), width));
  for (size_t k = 0; k < exp_order.size(); ++k) exp.Line(RenderExpert(world, b.experts[exp_order[k]], static_cast<int>(k), width));

  // Links: trade between neighbouring stages of a chain, equipment sold and
  // advice given to facilities of the chain.
  const size_t n_chains = world.chains().size();
  std::vector<std::vector<std::vector<int>>> at_stage(n_chains);
  for (size_t c = 0; c < n_chains; ++c) at_stage[c].resize(world.chains()[c].chain->stages.size());
  for (size_t i = 0; i < b.facilities.size(); ++i) at_stage[b.facilities[i].chain][b.facilities[i].stage].push_back(static_cast<int>(i));
  std::vector<std::vector<int>> sup_of_chain(n_chains), exp_of_chain(n_chains);
  for (size_t k = 0; k < sup_order.size(); ++k) sup_of_chain[b.suppliers[sup_order[k]].chain].push_back(static_cast<int>(k));
  for (size_t k = 0; k < exp_order.size(); ++k) {
    for (uint8_t c : b.experts[exp_order[k]].chains) exp_of_chain[c].push_back(static_cast<int>(k));
  }
  const int64_t n_links = std::llround(static_cast<double>(n_fac) * o.links_per_facility);
  std::set<std::tuple<char, int, int, int>> seen;
  Rng r(SeedFor(o.seed, "links", 0));
  for (int64_t tries = 0; rep.links < n_links && tries < n_links * 4 + 100; ++tries) {
    const int fi = static_cast<int>(r.Below(b.facilities.size()));
    const FacilityRec& f = b.facilities[fi];
    const auto& stages = at_stage[f.chain];
    const int type = static_cast<int>(r.Weighted({0.30, 0.10, 0.08, 0.30, 0.22}));
    char from_kind = 'F';
    int from = 0, to = fi;
    if (type <= 2) {  // supplies (previous stage -> f), buys_from (f -> previous), subcontracts
      const int other_stage = type == 2 ? f.stage : f.stage - 1;
      if (other_stage < 0 || stages[other_stage].empty()) continue;
      const int other = r.Pick(stages[other_stage]);
      if (other == fi) continue;
      from = type == 1 ? fi : other;
      to = type == 1 ? other : fi;
    } else {
      const auto& pool = (type == 3 ? sup_of_chain : exp_of_chain)[f.chain];
      if (pool.empty()) continue;
      from_kind = type == 3 ? 'S' : 'E';
      from = r.Pick(pool);
    }
    if (!seen.insert({from_kind, from, to, type}).second) continue;
    static const char* const kTypes[] = {"supplies", "buys_from", "subcontracts", "equips", "advises"};
    std::string line = "{\"from\": \"" + MakeId(from_kind, from + 1, width) + "\", \"to\": \"" +
                       MakeId('F', to + 1, width) + "\", \"type\": \"" + kTypes[type] + "\"}";
    links.Line(line);
    ++rep.links;
  }
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "{\"generator\": \"ketnoi_gen\", \"format\": 1, \"seed\": %llu, \"entities\": %lld, "
                "\"facilities\": %lld, \"needs\": %lld, \"suppliers\": %lld, \"experts\": %lld, "
                "\"links\": %lld, \"judged_needs\": %lld, \"qrels\": %lld}",
                static_cast<unsigned long long>(o.seed), static_cast<long long>(o.entities),
                static_cast<long long>(rep.facilities), static_cast<long long>(rep.needs),
                static_cast<long long>(rep.suppliers), static_cast<long long>(rep.experts),
                static_cast<long long>(rep.links), static_cast<long long>(rep.judged_needs),
                static_cast<long long>(rep.qrels_lines));
  manifest.Line(buf);
  for (OutFile* f : {&fac, &sup, &exp, &links, &qrels, &manifest}) {
    if (Status s = f->Close(&rep.bytes); !s.ok()) return s;
  }
  *report = rep;
  return Status::OK();
}

}  // namespace ketnoi::gen
