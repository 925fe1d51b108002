#pragma once

// The PostgreSQL server for tests: scripts/run-tests.sh starts a throwaway cluster and sets
// CRONIUM_TEST_POSTGRES to its URL. Without it, PostgreSQL tests skip (or fail, when
// CRONIUM_REQUIRE_POSTGRES is set, as `make test` and CI set it).

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace cronium::testutil {

inline std::optional<std::string> PostgresUrl() {
  const char* url = std::getenv("CRONIUM_TEST_POSTGRES");
  if (url != nullptr && *url != '\0') return std::string(url);
  if (std::getenv("CRONIUM_REQUIRE_POSTGRES") != nullptr) {
    ADD_FAILURE() << "PostgreSQL is required but CRONIUM_TEST_POSTGRES is not set";
  }
  return std::nullopt;
}

}  // namespace cronium::testutil
