# cronium_embed(OUTPUT <file.cc> FUNCTION <qualified::Name> BASE_DIR <dir> FILES <f>...)
#
# Generates a .cc that defines `std::span<const cronium::EmbeddedFile> Name()` holding the bytes
# of FILES (paths relative to BASE_DIR, used as the names). Regenerated when a file changes.
function(cronium_embed)
  cmake_parse_arguments(E "" "OUTPUT;FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(abs_files "")
  foreach(f ${E_FILES})
    list(APPEND abs_files "${E_BASE_DIR}/${f}")
  endforeach()
  add_custom_command(
    OUTPUT "${E_OUTPUT}"
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DFUNCTION=${E_FUNCTION}
            -DBASE_DIR=${E_BASE_DIR} "-DFILES=${E_FILES}"
            -P "${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake"
    DEPENDS ${abs_files} "${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake"
    COMMENT "Embedding ${E_FUNCTION}"
    VERBATIM)
endfunction()
