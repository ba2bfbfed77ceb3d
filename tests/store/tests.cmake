# Object store end-to-end tests (label "store"), each a POSIX sh script taking the
# mi executable: the store commands and bad input (cli), 8 concurrent writers
# (concurrency), kill -9 during install/restore/delete (killtest), a full disk
# (fulldisk), single-byte flips of a save file (flips), an independent reader of the
# save-file format (reader), the conformance suite through save and restore
# (roundtrip), and native translations kept in the store (translate: install, new
# host, gc, integrity failure, concurrent first runs, retranslate, translated =
# interpreted).
foreach(t cli concurrency killtest fulldisk flips reader roundtrip translate)
  add_test(NAME store/${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh $<TARGET_FILE:mi>)
  set_tests_properties(store/${t} PROPERTIES LABELS store TIMEOUT 1200 SKIP_RETURN_CODE 77)
endforeach()
# Timing-sensitive: not alongside other heavy tests.
set_tests_properties(store/concurrency store/killtest PROPERTIES RUN_SERIAL TRUE)
