// Validation of the domain records (engine/model.h) before they are stored.
//
// Each Validate* checks required fields, id syntax, sizes and enum values,
// resolves the fields written by people (province, serves, sector) through
// ReferenceData and fills the resolved fields (province_id, serves_ids,
// nationwide, sector_vsic). Errors are InvalidArgument and name the field:
//   "field 'province': unknown province 'Xyz'"
//   "field 'needs[2].kind': unknown need kind 'machine'"
// Checks that need the store (need ids owned by another facility, link
// endpoints that exist) are made by Store on write. Pure functions.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "engine/model.h"
#include "engine/reference.h"

namespace ketnoi::engine {

// Bounds on record sizes (bytes of UTF-8 unless said otherwise).
inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxNameBytes = 256;
inline constexpr size_t kMaxTextBytes = 8 * 1024;
inline constexpr size_t kMaxShortFieldBytes = 1024;  // province, sector, products, serves[i]
inline constexpr size_t kMaxNeedsPerFacility = 100;
inline constexpr size_t kMaxServes = 64;
inline constexpr size_t kMaxVectorDim = 4096;
inline constexpr size_t kMaxExtraJsonBytes = 64 * 1024;

// Id syntax: 1-64 ASCII letters, digits, '-', '_', '.'. `field` names the
// field in the error ("id", "needs[0].id", "from").
Status ValidateId(std::string_view id, std::string_view field);

// Validate and resolve in place. REQUIRES: non-null record.
Status ValidateFacility(const ReferenceData& ref, Facility* f);
Status ValidateSupplier(const ReferenceData& ref, Supplier* s);
Status ValidateExpert(const ReferenceData& ref, Expert* e);
Status ValidateLink(const Link& l);

}  // namespace ketnoi::engine
