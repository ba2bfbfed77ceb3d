# CLI end-to-end tests: each tests/cli/*.sh is one ctest (cli/<name>), run with the `mi`
# executable as its argument. lib.sh holds their shared helpers.
file(GLOB MI_CLI_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.sh)
foreach(script ${MI_CLI_TESTS})
  get_filename_component(name ${script} NAME_WE)
  if(NOT name STREQUAL "lib")
    add_test(NAME cli/${name} COMMAND sh ${script} $<TARGET_FILE:mi>)
    set_tests_properties(cli/${name} PROPERTIES LABELS cli TIMEOUT 120)
  endif()
endforeach()
