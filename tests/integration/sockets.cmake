# Multi-process socket tests of the zts_* API (included from tests/CMakeLists.txt): a root that
# is also the network controller (zt-service), and library nodes as separate processes, each one
# a zts_peer (zts_peer.c, linked with zt-static) doing what sockets.sh tells it.  One ctest
# entry per group of cases, each with its own world on loopback (sockets.sh <group>).  Paths use
# CMAKE_CURRENT_LIST_DIR so that this file works from whichever directory includes it.
if(NOT TARGET libzt::zt-static OR NOT TARGET zt-service OR NOT TARGET zt-idtool
   OR NOT TARGET zt-ctltool)
  return()
endif()

add_executable(zts_peer ${CMAKE_CURRENT_LIST_DIR}/zts_peer.c)
# Our warnings, but only the public header, as a user's program (and the examples) would.
target_compile_options(zts_peer PRIVATE ${ZT_WARNINGS})
target_include_directories(zts_peer PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(zts_peer PRIVATE libzt::zt-static)

# group -> TIMEOUT (s): the script's own budget for the group (sockets.sh) plus 30 s, so that
# the script always reports first.  Typical times in the ASan+UBSan build on 2 cores are in
# sockets.sh; the others take about 1.5 minutes together, lossy (100 MB at 5% loss) 1.5 more.
set(_zt_sockets_groups tcp 150 misc 120 mcast 90 adhoc 90 many 180 cycles 120 kill 90 lossy 450)
# The lossy underlay of sockets.lossy: an LD_PRELOAD library (test code only).
add_library(lossy_shim MODULE ${CMAKE_CURRENT_LIST_DIR}/lossy_shim.c)
target_link_libraries(lossy_shim PRIVATE ${CMAKE_DL_LIBS} Threads::Threads)
list(LENGTH _zt_sockets_groups _n)
math(EXPR _last "${_n} - 1")
foreach(_i RANGE 0 ${_last} 2)
  math(EXPR _j "${_i} + 1")
  list(GET _zt_sockets_groups ${_i} _group)
  list(GET _zt_sockets_groups ${_j} _timeout)
  add_test(NAME sockets.${_group}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/sockets.sh ${_group}
                   $<TARGET_FILE:zt-service> $<TARGET_FILE:zt-idtool> $<TARGET_FILE:zt-ctltool>
                   $<TARGET_FILE:zts_peer>)
  set_tests_properties(sockets.${_group} PROPERTIES LABELS integration TIMEOUT ${_timeout}
                       ENVIRONMENT "ZT_LOSSY_SHIM=$<TARGET_FILE:lossy_shim>")
endforeach()
