// `ketnoi keys create|revoke|list`: API keys in the store (api/auth.h).
// `create` prints the new key alone on stdout (it is shown only once);
// everything else goes to stderr. The store must not be open in a running
// `ketnoi serve` (RocksDB allows one process).
#include <cstdio>
#include <ctime>

#include "api/auth.h"
#include "api/commands.h"
#include "engine/reference.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

std::string IsoTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int Fail(const Status& st, int code) {
  std::fprintf(stderr, "ketnoi keys: %s\n", st.ToString().c_str());
  return code;
}

}  // namespace

int RunKeys(const KeysArgs& args) {
  auto ref = engine::ReferenceData::Load(engine::DefaultDataDir());
  if (!ref.ok()) return Fail(ref.status(), 1);
  engine::StoreOptions options;
  options.path = args.db;
  options.reference = ref->get();
  options.create_if_missing = args.action == "create";
  auto store = engine::Store::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "ketnoi keys: cannot open the store %s: %s (is `ketnoi serve` running "
                 "on it? stop it first)\n", args.db.c_str(), store.status().ToString().c_str());
    return 1;
  }
  KeyStore keys(store->get());
  if (args.action == "create") {
    Role role;
    if (!ParseRole(args.role, &role)) {
      return Fail(InvalidArgument("--role: expected admin, staff, planner or supplier"), 2);
    }
    auto created = keys.Create(role, args.entity);
    if (!created.ok()) return Fail(created.status(), 2);
    if (Status st = (*store)->Flush(); !st.ok()) return Fail(st, 1);
    std::printf("%s\n", created->first.c_str());
    std::fprintf(stderr, "ketnoi keys: created key %s (role %s%s%s); it is shown only once\n",
                 created->second.id.c_str(), args.role.c_str(),
                 args.entity.empty() ? "" : ", entity ", args.entity.c_str());
    return 0;
  }
  if (args.action == "revoke") {
    if (Status st = keys.Revoke(args.key_id); !st.ok()) {
      return Fail(st, st.code() == StatusCode::kNotFound ? 2 : 1);
    }
    if (Status st = (*store)->Flush(); !st.ok()) return Fail(st, 1);
    std::fprintf(stderr, "ketnoi keys: revoked key %s\n", args.key_id.c_str());
    return 0;
  }
  auto list = keys.List();
  if (!list.ok()) return Fail(list.status(), 1);
  std::printf("id\trole\tentity\tcreated\n");
  for (const ApiKey& k : *list) {
    std::printf("%s\t%s\t%s\t%s\n", k.id.c_str(), std::string(RoleName(k.role)).c_str(),
                k.entity.empty() ? "-" : k.entity.c_str(), IsoTime(k.created_unix).c_str());
  }
  return 0;
}

}  // namespace ketnoi::api
