# cronium_module(NAME x SRCS a.cc b.cc DEPS cronium::base ... [PUBLIC_LIBS lib ...]
#                [PRIVATE_LIBS lib ...] TESTS a_test.cc ...)
#
# Builds the static library cronium_<x> with the alias cronium::<x> and, when TESTS are given,
# one GoogleTest binary cronium_<x>_test whose cases ctest discovers.
function(cronium_module)
  cmake_parse_arguments(M "" "NAME" "SRCS;DEPS;PUBLIC_LIBS;PRIVATE_LIBS;TESTS;TEST_LIBS" ${ARGN})
  set(target cronium_${M_NAME})
  add_library(${target} STATIC ${M_SRCS})
  add_library(cronium::${M_NAME} ALIAS ${target})
  target_link_libraries(${target}
    PUBLIC cronium_options ${M_DEPS} ${M_PUBLIC_LIBS}
    PRIVATE cronium_warnings ${M_PRIVATE_LIBS})
  if(CRONIUM_BUILD_TESTS AND M_TESTS)
    add_executable(${target}_test ${M_TESTS})
    target_link_libraries(${target}_test PRIVATE ${target} cronium_warnings cronium::testutil
      ${M_TEST_LIBS} GTest::gmock GTest::gtest_main)
    gtest_discover_tests(${target}_test DISCOVERY_MODE PRE_TEST
      PROPERTIES LABELS "unit;${M_NAME}")
  endif()
endfunction()
