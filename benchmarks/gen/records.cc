// Rendering of the generated market into dataset-format JSON lines: the
// wording of names, needs, catalogues and expert profiles (generator.h).
#include <cstdio>

#include "benchmarks/gen/generator.h"
#include "indexer/normalize.h"

namespace ketnoi::gen {
namespace {

std::string TitleCase(std::string s) {
  bool start = true;
  for (char& c : s) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = (c == ' ');
  }
  return s;
}

const engine::ChainStage& StageOf(const World& w, const FacilityRec& f) {
  return w.chains()[f.chain].chain->stages[f.stage];
}

// The text in the writer's style: kViPlain folds the accented text and
// sometimes shortens "triệu" the way people type it.
std::string Styled(const std::string& text, Style style, Rng& rng) {
  if (style != Style::kViPlain) return text;
  std::string folded = indexer::Fold(text);
  if (rng.Chance(0.3)) {
    for (size_t p; (p = folded.find(" trieu")) != std::string::npos;) folded.replace(p, 6, "tr");
  }
  return folded;
}

std::string EquipmentNeedText(const World& w, const FacilityRec& f, const NeedRec& n, Rng& rng) {
  const GenChain& chain = w.chains()[f.chain];
  const engine::ChainStage& stage = StageOf(w, f);
  const GenConcept& c = w.concept_at(n.concept_id);
  const std::string& eq = ConceptForm(c, f.style, n.form);
  const std::string product = IsEnglish(f.style) ? rng.Pick(chain.product_words_en)
                                                 : rng.Pick(chain.product_words_vi);
  std::string t;
  if (IsEnglish(f.style)) {
    static const char* const kOpen[] = {"Looking for", "We need", "Request for quotation:",
                                        "Seeking a supplier of", "Plan to buy"};
    t = std::string(rng.Pick(kOpen)) + " " + eq + " for " + StagePhrase(stage.name.en, true) +
        " (" + product + ")";
    if (n.capacity > 0) t += ", capacity about " + FormatCapacity(n.capacity, f.style, rng);
    else if (rng.Chance(0.5)) t += ", " + std::to_string(rng.Between(1, 6)) + " units";
    if (n.budget > 0) t += "; budget around " + FormatMoney(n.budget, f.style, rng);
    return t + ".";
  }
  static const char* const kOpen[] = {"Cần mua", "Cần đầu tư", "Cơ sở cần thay", "Cần trang bị",
                                      "Tìm nhà cung cấp", "Xưởng cần bổ sung", "Có nhu cầu mua",
                                      "Muốn mua thêm", "Cần báo giá", "Xin hỗ trợ đầu tư"};
  static const char* const kPurpose[] = {"cho khâu ", "để ", "phục vụ "};
  static const char* const kExtra[] = {"", "", "", ", ưu tiên hàng trong nước",
                                       ", có lắp đặt và hướng dẫn vận hành",
                                       ", bảo hành tối thiểu 12 tháng", ", vật liệu inox",
                                       ", tiết kiệm điện", ", cần giao trước vụ mới",
                                       ", thay cho máy cũ đã hỏng"};
  static const char* const kBudget[] = {"; ngân sách khoảng ", "; kinh phí dự kiến ",
                                        ", dự kiến ", "; vốn khoảng ", ", giá không quá "};
  const std::string stage_phrase = StagePhrase(stage.name.vi, false);
  t = std::string(rng.Pick(kOpen)) + " " + eq + " " + rng.Pick(kPurpose) + stage_phrase;
  if (rng.Chance(0.5) && stage_phrase.find(product) == std::string::npos) t += " " + product;
  if (n.capacity > 0) {
    t += rng.Chance(0.5) ? ", công suất khoảng " : ", năng suất ";
    t += FormatCapacity(n.capacity, f.style, rng);
  } else if (rng.Chance(0.4)) {
    t += ", số lượng " + std::to_string(rng.Between(1, 12)) + (rng.Chance(0.5) ? " máy" : " bộ");
  }
  t += rng.Pick(kExtra);
  if (n.budget > 0) t += std::string(rng.Pick(kBudget)) + FormatMoney(n.budget, f.style, rng);
  return Styled(t + ".", f.style, rng);
}

std::string ExpertNeedText(const World& w, const FacilityRec& f, const NeedRec& n, Rng& rng,
                           int employees) {
  const GenChain& chain = w.chains()[f.chain];
  const GenConcept& c = w.concept_at(n.concept_id);
  const std::string& topic = ConceptForm(c, f.style, n.form);
  if (IsEnglish(f.style)) {
    static const char* const kOpen[] = {"Need a consultant for", "Looking for training on",
                                        "Seeking an expert in", "Need support with"};
    return std::string(rng.Pick(kOpen)) + " " + topic + " for our " +
           rng.Pick(chain.product_words_en) + " business (" + std::to_string(employees) +
           " workers).";
  }
  static const char* const kOpen[] = {"Cần chuyên gia tư vấn", "Cần hỗ trợ", "Tìm đơn vị hướng dẫn",
                                      "Mời chuyên gia về", "Nhờ tư vấn", "Đề nghị hỗ trợ",
                                      "Cần đào tạo"};
  static const char* const kExtra[] = {"", "", " trong năm nay", ", có thể học online",
                                       " trước mùa vụ", ", ưu tiên chuyên gia ở gần",
                                       ", kinh phí từ chương trình khuyến công"};
  // Topics that are themselves an activity ("tư vấn ...", "đào tạo ...")
  // take a neutral opener.
  static const char* const kNeutral[] = {"Cần hỗ trợ", "Tìm đơn vị hỗ trợ", "Cần chuyên gia về"};
  const std::string folded_topic = indexer::Fold(topic);
  const bool activity = folded_topic.rfind("tu van", 0) == 0 || folded_topic.rfind("dao tao", 0) == 0 ||
                        folded_topic.rfind("tap huan", 0) == 0 || folded_topic.rfind("huong dan", 0) == 0;
  std::string t = std::string(activity ? rng.Pick(kNeutral) : rng.Pick(kOpen)) + " " + topic + " cho ";
  switch (rng.Below(3)) {
    case 0: t += "cơ sở " + rng.Pick(chain.product_words_vi); break;
    case 1: t += std::to_string(employees) + " lao động của xưởng " + rng.Pick(chain.product_words_vi); break;
    default: t += "sản phẩm " + rng.Pick(StageOf(w, f).outputs_vi); break;
  }
  return Styled(t + rng.Pick(kExtra) + ".", f.style, rng);
}

}  // namespace

std::string MakeId(char prefix, int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%c%0*lld", prefix, width, static_cast<long long>(n));
  return buf;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      *out += buf;
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

namespace {
void Field(std::string* out, const char* key, std::string_view value, bool first = false) {
  if (!first) *out += ", ";
  AppendJsonString(key, out);
  *out += ": ";
  AppendJsonString(value, out);
}
void NumField(std::string* out, const char* key, long long value) {
  *out += ", ";
  AppendJsonString(key, out);
  *out += ": " + std::to_string(value);
}
}  // namespace

std::string RenderFacility(const World& w, const std::vector<FacilityRec>& facilities,
                           const std::vector<NeedRec>& needs, int index, uint64_t seed,
                           int id_width) {
  const FacilityRec& f = facilities[index];
  Rng rng(SeedFor(seed, "facility-text", index));
  const GenChain& chain = w.chains()[f.chain];
  const engine::ChainStage& stage = StageOf(w, f);
  std::string legal;
  std::string name = FacilityName(rng.Pick(chain.product_words_vi), rng, &legal);
  int employees = legal == "Công ty TNHH" || legal == "Công ty CP"
                      ? static_cast<int>(rng.LogUniform(20, 800))
                      : legal == "HTX" ? static_cast<int>(rng.Between(7, 80))
                                       : static_cast<int>(rng.Between(2, 30));
  std::string out = "{";
  Field(&out, "id", MakeId('F', index + 1, id_width), true);
  Field(&out, "name", name);
  Field(&out, "province", ProvinceSpelling(w.provinces()[f.province], 0.25, rng));
  Field(&out, "sector", rng.Pick(chain.sectors));
  std::vector<std::string> products = {rng.Pick(stage.outputs_vi)};
  if (rng.Chance(0.4)) products.push_back(rng.Pick(chain.product_words_vi));
  if (products.size() == 2 && products[0] == products[1]) products.pop_back();
  Field(&out, "products", JoinList(products, false));
  NumField(&out, "employees", employees);
  if (rng.Chance(0.5)) {
    Field(&out, "chain", chain.chain->id);
    Field(&out, "stage", stage.id);
  }
  out += ", \"needs\": [";
  for (int k = 0; k < f.need_count; ++k) {
    const NeedRec& n = needs[f.first_need + k];
    out += k == 0 ? "{" : ", {";
    Field(&out, "id", MakeId('N', f.first_need + k + 1, id_width), true);
    Field(&out, "kind", n.expert ? "expert" : "equipment");
    Field(&out, "text", n.expert ? ExpertNeedText(w, f, n, rng, employees)
                                 : EquipmentNeedText(w, f, n, rng));
    if (n.budget > 0 && rng.Chance(0.85)) NumField(&out, "budget_vnd", static_cast<long long>(n.budget));
    out += "}";
  }
  out += "]";
  if (rng.Chance(0.2)) Field(&out, "phone", PhoneNumber(rng));
  return out + "}";
}

std::string RenderSupplier(const World& w, const SupplierRec& s, int index, int id_width) {
  Rng rng(s.seed);
  const GenChain& chain = w.chains()[s.chain];
  const bool en = IsEnglish(s.style);
  std::vector<std::string> items;
  for (size_t i = 0; i < s.concepts.size(); ++i) {
    const GenConcept& c = w.concept_at(s.concepts[i]);
    items.push_back(ConceptForm(c, s.style, PickForm(c, s.style, i == 0 ? s.avoid_form : -1, rng)));
  }
  std::string t;
  const std::string province_name = w.provinces()[s.province].name;
  if (en) {
    static const char* const kVerb[] = {"We manufacture", "Manufacturer and installer of",
                                        "Distributor of", "Importer and distributor of",
                                        "Supplier of"};
    t = std::string(rng.Pick(kVerb)) + " " + JoinList(items, true) + " for " +
        rng.Pick(chain.product_words_en) + " producers.";
    if (s.cap_hi > 0) t += " Capacity " + FormatCapacityRange(s.cap_lo, s.cap_hi, s.style, rng) + ".";
    if (s.price > 0) t += " Prices from " + FormatMoney(s.price, s.style, rng) + ".";
    static const char* const kService[] = {" Installation and operator training included.",
                                           " 12-month warranty.", " Spare parts in stock.",
                                           " Custom designs on request.", ""};
    t += rng.Pick(kService);
    if (s.nationwide) t += rng.Chance(0.5) ? " Delivery nationwide." : " We serve all provinces.";
  } else {
    static const char* const kVerb[] = {"Chế tạo và lắp đặt", "Sản xuất", "Phân phối",
                                        "Cung cấp", "Nhập khẩu và phân phối", "Chuyên cung cấp",
                                        "Gia công chế tạo"};
    t = std::string(rng.Pick(kVerb)) + " " + JoinList(items, false) + " cho " +
        (rng.Chance(0.5) ? "ngành " : "cơ sở ") + rng.Pick(chain.product_words_vi) + ".";
    if (s.cap_hi > 0) t += " Công suất " + FormatCapacityRange(s.cap_lo, s.cap_hi, s.style, rng) + ".";
    if (s.price > 0) t += std::string(rng.Chance(0.5) ? " Giá từ " : " Giá chỉ từ ") +
                          FormatMoney(s.price, s.style, rng) + ".";
    static const char* const kService[] = {" Bảo hành 12 tháng.", " Lắp đặt, chuyển giao tận nơi.",
                                           " Nhận thiết kế theo yêu cầu.", " Có sẵn phụ tùng thay thế.", ""};
    t += rng.Pick(kService);
    if (s.nationwide) t += rng.Chance(0.5) ? " Giao hàng toàn quốc." : " Phục vụ khách hàng cả nước.";
    else t += " Có thợ kỹ thuật trực tại " + province_name + ".";
    t = Styled(t, s.style, rng);
  }
  std::string out = "{";
  Field(&out, "id", MakeId('S', index + 1, id_width), true);
  Field(&out, "name", SupplierName(rng.Pick(chain.product_words_vi), s.style, rng));
  Field(&out, "province", ProvinceSpelling(w.provinces()[s.province], 0.2, rng));
  out += ", \"serves\": [";
  if (s.nationwide) {
    static const char* const kAll[] = {"toàn quốc", "toàn quốc", "toan quoc", "cả nước"};
    AppendJsonString(en ? "toàn quốc" : rng.Pick(kAll), &out);
  } else {
    for (size_t i = 0; i < s.serves.size(); ++i) {
      if (i > 0) out += ", ";
      AppendJsonString(ProvinceSpelling(w.provinces()[s.serves[i]], 0.3, rng), &out);
    }
  }
  out += "]";
  Field(&out, "lang", en ? "en" : "vi");
  Field(&out, "text", t);
  if (rng.Chance(0.15)) NumField(&out, "founded", rng.Between(1990, 2024));
  return out + "}";
}

std::string RenderExpert(const World& w, const ExpertRec& e, int index, int id_width) {
  Rng rng(e.seed);
  const GenProvince& home = w.provinces()[e.province];
  const bool en = IsEnglish(e.style);
  std::vector<std::string> topics;
  for (size_t i = 0; i < e.expertise.size(); ++i) {
    const GenConcept& c = w.concept_at(e.expertise[i]);
    topics.push_back(ConceptForm(c, e.style, PickForm(c, e.style, i == 0 ? e.avoid_form : -1, rng)));
  }
  std::vector<std::string> fields_vi, fields_en;
  for (uint8_t ch : e.chains) {
    fields_vi.push_back(rng.Pick(w.chains()[ch].product_words_vi));
    fields_en.push_back(rng.Pick(w.chains()[ch].product_words_en));
  }
  // Region mates named in the text of a regional expert.
  std::vector<std::string> mates;
  for (int p : w.Region(home.region)) {
    if (p != e.province && mates.size() < 3 && rng.Chance(0.6)) mates.push_back(w.provinces()[p].name);
  }
  std::string name, t;
  if (en) {
    name = e.organisation ? TitleCase(indexer::Fold(TwoSyllableName(rng))) + " Consulting"
                          : "Dr. " + indexer::Fold(PersonName(rng));
    t = std::string(rng.Chance(0.5) ? "Consultant on " : "Training and advice on ") +
        JoinList(topics, true) + " for " + JoinList(fields_en, true) + " businesses.";
    t += e.nationwide ? " Works nationwide." : " Based in " + home.name_en + ", covering nearby provinces.";
  } else {
    if (e.organisation) {
      static const char* const kOrg[] = {"Trung tâm Khuyến công và Tư vấn", "Công ty Tư vấn",
                                         "Viện Nghiên cứu", "Trung tâm Chuyển giao công nghệ"};
      name = std::string(rng.Pick(kOrg)) + " " + TwoSyllableName(rng);
      t = "Đơn vị tư vấn, đào tạo cho doanh nghiệp và HTX ngành " + JoinList(fields_vi, false) + ".";
    } else {
      static const char* const kTitle[] = {"TS.", "ThS.", "KS.", "PGS.TS.", "CN."};
      name = std::string(rng.Pick(kTitle)) + " " + PersonName(rng);
      t = rng.Chance(0.5) ? "Chuyên gia " + std::to_string(rng.Between(5, 30)) +
                                " năm kinh nghiệm ngành " + JoinList(fields_vi, false) + "."
                          : "Giảng viên, kỹ sư ngành " + JoinList(fields_vi, false) + " tại " +
                                home.name + ".";
    }
    static const char* const kVerb[] = {" Tư vấn ", " Hướng dẫn ", " Đào tạo, tập huấn ", " Hỗ trợ "};
    const std::string first = indexer::Fold(topics[0]);
    const bool activity = first.rfind("tu van", 0) == 0 || first.rfind("dao tao", 0) == 0 ||
                          first.rfind("tap huan", 0) == 0 || first.rfind("huong dan", 0) == 0;
    t += std::string(activity ? " Nhận " : rng.Pick(kVerb)) + JoinList(topics, false) +
         " cho các cơ sở, HTX.";
    if (e.nationwide) t += rng.Chance(0.5) ? " Làm việc toàn quốc." : " Nhận hỗ trợ trên cả nước.";
    else if (!mates.empty()) {
      mates.insert(mates.begin(), home.name);
      t += " Nhận hỗ trợ tại " + JoinList(mates, false) + ".";
    }
    else t += " Chủ yếu làm việc tại " + home.name + ".";
    t = Styled(t, e.style, rng);
  }
  std::string out = "{";
  Field(&out, "id", MakeId('E', index + 1, id_width), true);
  Field(&out, "name", name);
  Field(&out, "province", ProvinceSpelling(home, 0.2, rng));
  Field(&out, "text", t);
  if (rng.Chance(0.1)) Field(&out, "phone", PhoneNumber(rng));
  return out + "}";
}

}  // namespace ketnoi::gen
