# Conformance suite: one ctest per program per execution mode, named
# conformance/<name>/<mode> (the examples as conformance/examples/<name>/<mode>).
# Programs under lib/ are callees for CALLX tests, not tests themselves.
# The translate modes are registered only when the translator is built (MI_HAVE_TRANSLATOR):
# translate, and translate-exec (every program in the exec form of large programs).
set(MI_CONFORMANCE_DIR ${CMAKE_CURRENT_LIST_DIR})
file(GLOB MI_CONFORMANCE_PROGRAMS CONFIGURE_DEPENDS ${MI_CONFORMANCE_DIR}/*.mi)
file(GLOB MI_EXAMPLE_PROGRAMS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/examples/*.mi)

set(MI_CONFORMANCE_MODES interpret)
if(MI_HAVE_TRANSLATOR)
  list(APPEND MI_CONFORMANCE_MODES translate translate-exec)
endif()

# A program whose block has a "; RUN-SERIAL:" line (one that needs much memory or time) runs
# alone, with a longer timeout.
function(mi_conformance_add test_name program)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${program})
  file(STRINGS ${program} serial REGEX "^; RUN-SERIAL:" LIMIT_COUNT 1)
  foreach(mode ${MI_CONFORMANCE_MODES})
    add_test(NAME ${test_name}/${mode}
             COMMAND sh ${MI_CONFORMANCE_DIR}/run_one.sh ${program} ${mode} $<TARGET_FILE:mi>)
    set_tests_properties(${test_name}/${mode} PROPERTIES LABELS conformance TIMEOUT 120)
    if(serial)
      set_tests_properties(${test_name}/${mode} PROPERTIES RUN_SERIAL TRUE TIMEOUT 600)
    endif()
  endforeach()
endfunction()

foreach(program ${MI_CONFORMANCE_PROGRAMS})
  get_filename_component(name ${program} NAME_WE)
  mi_conformance_add(conformance/${name} ${program})
endforeach()
# An example is a test only if it carries an expectation block (fibrec.mi, a callee, does not).
foreach(program ${MI_EXAMPLE_PROGRAMS})
  file(STRINGS ${program} has_test REGEX "^; TEST:" LIMIT_COUNT 1)
  if(has_test)
    get_filename_component(name ${program} NAME_WE)
    mi_conformance_add(conformance/examples/${name} ${program})
  endif()
endforeach()
