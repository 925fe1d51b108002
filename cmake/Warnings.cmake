# Interface targets carrying the project's compile flags; linked PRIVATE by every module.
add_library(cronium_options INTERFACE)
target_compile_features(cronium_options INTERFACE cxx_std_20)
target_include_directories(cronium_options INTERFACE "${PROJECT_SOURCE_DIR}/src")
target_compile_definitions(cronium_options INTERFACE BOOST_ASIO_NO_DEPRECATED)

add_library(cronium_warnings INTERFACE)
target_compile_options(cronium_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wpedantic -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Wmisleading-indentation -Wduplicated-cond -Wlogical-op
  # Designated initializers that leave members at their defaults are the house style.
  -Wno-missing-field-initializers)
if(CRONIUM_WARNINGS_AS_ERRORS)
  target_compile_options(cronium_warnings INTERFACE -Werror)
endif()
