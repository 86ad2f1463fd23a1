# The zts_* API without a service (api.md 2-5, 11): the public header's ABI in C11, C99 and
# C++98, and the pure helpers (inet.c, api_util.c).  Included by tests/CMakeLists.txt.
if(NOT TARGET zt_api)
  return()
endif()

set(_zts_dir ${CMAKE_CURRENT_LIST_DIR})

# The header as a C99 caller sees it: alone, -pedantic, ZT_SOCKET_API left undefined, the
# fd-set macros used with nothing else included.  Linked into unit.test_zts_abi.
add_library(test_zts_c99 OBJECT ${_zts_dir}/test_zts_c99.c)
set_target_properties(test_zts_c99 PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
                                              C_EXTENSIONS OFF)
target_include_directories(test_zts_c99 PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_compile_options(test_zts_c99 PRIVATE ${ZT_WARNINGS} -pedantic)

# Sizes, offsets, field types, every constant and every prototype (compile time), plus the
# fd-set macros at run time.
zt_add_test(test_zts_abi unit ${_zts_dir}/test_zts_abi.c $<TARGET_OBJECTS:test_zts_c99>)
target_link_libraries(test_zts_abi PRIVATE zt_api)

# inet_ntop/pton/addr, byte order, 6PLANE/RFC 4193, ad-hoc IDs, zts_delay_ms.
zt_add_test(test_zts_util unit ${_zts_dir}/test_zts_util.c)
target_link_libraries(test_zts_util PRIVATE zt_api)

# The header compiled as C++98: layouts again, and the typed-callback zts_start overload.
add_executable(test_zts_abi_cxx ${_zts_dir}/test_zts_abi_cxx.cpp)
set_target_properties(test_zts_abi_cxx PROPERTIES CXX_STANDARD 98 CXX_STANDARD_REQUIRED ON
                                                  CXX_EXTENSIONS OFF)
target_compile_options(test_zts_abi_cxx PRIVATE -Wall -Wextra -Wshadow -Wconversion -pedantic
                                                $<$<BOOL:${ZT_WERROR}>:-Werror>)
target_link_libraries(test_zts_abi_cxx PRIVATE zt_api)
add_test(NAME unit.test_zts_abi_cxx COMMAND test_zts_abi_cxx)
set_tests_properties(unit.test_zts_abi_cxx PROPERTIES LABELS unit TIMEOUT 60)

# unit.test_zts_control: the control calls in every state, start/stop cycles and their events,
# without a network (the planet's root never answers).
if(TARGET libzt::zt-static)
  add_executable(test_zts_control ${CMAKE_CURRENT_LIST_DIR}/test_zts_control.c)
  zt_target_defaults(test_zts_control)
  target_link_libraries(test_zts_control PRIVATE libzt::zt-static PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME unit.test_zts_control COMMAND test_zts_control)
  set_tests_properties(unit.test_zts_control PROPERTIES LABELS unit TIMEOUT 120)
endif()
