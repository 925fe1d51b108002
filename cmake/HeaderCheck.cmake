# cronium_check_headers(<dir>): compiles every header under <dir> alone in its own translation
# unit, so a header that forgets an include fails the build.
function(cronium_check_headers dir)
  file(GLOB_RECURSE headers RELATIVE "${dir}" CONFIGURE_DEPENDS "${dir}/*.h")
  set(sources "")
  foreach(header ${headers})
    string(MAKE_C_IDENTIFIER "${header}" name)
    set(source "${CMAKE_CURRENT_BINARY_DIR}/header_check/${name}.cc")
    file(CONFIGURE OUTPUT "${source}" CONTENT "#include \"${header}\"  // IWYU pragma: keep\n")
    list(APPEND sources "${source}")
  endforeach()
  add_library(cronium_header_check OBJECT ${sources})
  target_link_libraries(cronium_header_check PRIVATE cronium_options cronium_warnings
    nlohmann_json::nlohmann_json)
endfunction()
