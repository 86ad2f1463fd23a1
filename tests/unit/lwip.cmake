# unit.lwip: lwIP as we build it (zt_lwip: lwipopts.h + our pthread port) carries TCP over
# 127.0.0.1 and ::1 and UDP over 127.0.0.1, through lwIP's socket API.
if(NOT TARGET zt_lwip)
  return()
endif()

add_executable(test_lwip ${CMAKE_CURRENT_LIST_DIR}/test_lwip.c)
if(COMMAND zt_target_defaults)
  zt_target_defaults(test_lwip)
else()
  target_compile_definitions(test_lwip PRIVATE _GNU_SOURCE)
endif()
if(TARGET PkgConfig::CMOCKA)
  set(_zt_cmocka PkgConfig::CMOCKA)
else()
  set(_zt_cmocka cmocka)
endif()
target_link_libraries(test_lwip PRIVATE zt_lwip ${_zt_cmocka} Threads::Threads)

add_test(NAME unit.lwip COMMAND test_lwip)
set_tests_properties(unit.lwip PROPERTIES LABELS unit TIMEOUT 60)
