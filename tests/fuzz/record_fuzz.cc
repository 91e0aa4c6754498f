// Fuzz target: HTTP request bodies of POST/PUT /v1/{facilities|suppliers|
// experts} and POST /v1/links, and the records of a JSONL import line: the
// body goes through what the server and the importer do before a write
// (UTF-8 check, engine/codec.h Decode* with the depth limit, engine/validate.h
// Validate* against the real reference data).
//
// Input: the first byte picks the record kind (facility, supplier, expert,
// link); the rest is the body.
// Invariants for every decoded record:
//  - Encode(Decode(Encode(r))) == Encode(r) in the dataset form and in the
//    stored form (export and the store round-trip every field);
//  - a validated record stays valid when validated again from its encoding,
//    and resolves to the same province / serves / sector.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/codec.h"
#include "engine/reference.h"
#include "engine/validate.h"
#include "indexer/normalize.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace ketnoi::engine;

const ReferenceData& Reference() {
  static const ReferenceData* ref = [] {
    auto r = ReferenceData::Load(DefaultDataDir());
    FUZZ_CHECK(r.ok(), "cannot load reference data (set KETNOI_DATA)");
    return r.value().release();
  }();
  return *ref;
}

// Decode -> Encode -> Decode -> Encode must be stable, in both forms.
template <typename T, typename DecodeFn, typename EncodeFn>
void CheckRoundTrip(const T& record, DecodeFn decode, EncodeFn encode) {
  for (JsonForm form : {JsonForm::kDataset, JsonForm::kStored}) {
    std::string once = encode(record, form);
    auto again = decode(once, form, 1000);
    FUZZ_CHECK(again.ok(), "decoding an encoded record failed");
    FUZZ_CHECK(encode(*again, form) == once, "encode/decode round trip is not stable");
  }
}

template <typename T, typename DecodeFn, typename EncodeFn, typename ValidateFn>
void Fuzz(std::string_view body, DecodeFn decode, EncodeFn encode, ValidateFn validate) {
  auto decoded = decode(body, JsonForm::kDataset, kDefaultMaxJsonDepth);
  if (!decoded.ok()) {
    FUZZ_CHECK(!decoded.status().message().empty(), "an error without a message");
    return;
  }
  T record = std::move(decoded).value();
  CheckRoundTrip(record, decode, encode);
  if (!validate(Reference(), &record).ok()) return;
  CheckRoundTrip(record, decode, encode);
  // Re-validating the stored form resolves to the same record.
  std::string stored = encode(record, JsonForm::kStored);
  auto reread = decode(encode(record, JsonForm::kDataset), JsonForm::kDataset, 1000);
  FUZZ_CHECK(reread.ok(), "the dataset form of a valid record does not decode");
  FUZZ_CHECK(validate(Reference(), &*reread).ok(), "a valid record does not validate again");
  FUZZ_CHECK(encode(*reread, JsonForm::kStored) == stored, "re-validation resolved differently");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Reference();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body = ketnoi::fuzz::AsText(data + 1, size - 1);
  // The server rejects non-UTF-8 bodies before any handler sees them.
  if (!ketnoi::indexer::IsValidUtf8(body)) return 0;
  switch (data[0] % 4) {
    case 0:
      Fuzz<Facility>(
          body, [](std::string_view j, JsonForm f, int d) { return DecodeFacility(j, f, d); },
          [](const Facility& r, JsonForm f) { return EncodeFacility(r, f); },
          [](const ReferenceData& ref, Facility* r) { return ValidateFacility(ref, r); });
      break;
    case 1:
      Fuzz<Supplier>(
          body, [](std::string_view j, JsonForm f, int d) { return DecodeSupplier(j, f, d); },
          [](const Supplier& r, JsonForm f) { return EncodeSupplier(r, f); },
          [](const ReferenceData& ref, Supplier* r) { return ValidateSupplier(ref, r); });
      break;
    case 2:
      Fuzz<Expert>(
          body, [](std::string_view j, JsonForm f, int d) { return DecodeExpert(j, f, d); },
          [](const Expert& r, JsonForm f) { return EncodeExpert(r, f); },
          [](const ReferenceData& ref, Expert* r) { return ValidateExpert(ref, r); });
      break;
    case 3: {
      auto link = DecodeLink(body, kDefaultMaxJsonDepth);
      if (!link.ok()) break;
      std::string once = EncodeLink(*link);
      auto again = DecodeLink(once, 1000);
      FUZZ_CHECK(again.ok(), "decoding an encoded link failed");
      FUZZ_CHECK(EncodeLink(*again) == once, "link round trip is not stable");
      (void)ValidateLink(*link);
      break;
    }
  }
  return 0;
}
