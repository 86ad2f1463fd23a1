# The modern zts_* API (include/libzt-modern/ZeroTierSockets.h, api-modern.md; libzt-modern):
# its ABI in C11, C99 and C++98, its exports, the functions that need no node, and the
# control calls in every state.  Each test is built as a user's program: only
# include/libzt-modern on the include path (never include/, the 1.3 header's directory),
# linked with the static library through its alias, whichever ZT_LIBZT_API is selected.
# Included by tests/CMakeLists.txt.
if(NOT TARGET libzt-modern::zt-static)
  return()
endif()

set(_zm_dir ${CMAKE_CURRENT_LIST_DIR})
set(_zm_inc ${CMAKE_SOURCE_DIR}/include/libzt-modern)

# zt_modern_test(<name> <timeout> <sources...>): a cmocka program over libzt-modern.a.
function(zt_modern_test name timeout)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${ZT_WARNINGS})
  target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
  target_link_libraries(${name} PRIVATE libzt-modern::zt-static PkgConfig::CMOCKA
                        Threads::Threads)
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT ${timeout})
endfunction()

# The header alone as a C99 caller sees it, -pedantic, beside the host's socket headers; a
# second translation unit of test_modern_abi (two units including the header link).
add_library(test_modern_c99 OBJECT ${_zm_dir}/test_modern_c99.c)
set_target_properties(test_modern_c99 PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON
                                                 C_EXTENSIONS OFF)
target_include_directories(test_modern_c99 PRIVATE ${_zm_inc})
target_compile_options(test_modern_c99 PRIVATE ${ZT_WARNINGS} -pedantic)

# Sizes, offsets, field types, every constant's value and kind, every prototype (compile
# time); every function linked, macro texts and the fd-set macros (run time).
zt_modern_test(test_modern_abi 60 ${_zm_dir}/test_modern_abi.c $<TARGET_OBJECTS:test_modern_c99>)

# The header as C++98 -pedantic: layouts, extern "C", enums in a switch.
add_executable(test_modern_abi_cxx ${_zm_dir}/test_modern_abi_cxx.cpp)
set_target_properties(test_modern_abi_cxx PROPERTIES CXX_STANDARD 98 CXX_STANDARD_REQUIRED ON
                                                     CXX_EXTENSIONS OFF)
target_compile_options(test_modern_abi_cxx PRIVATE -Wall -Wextra -Wshadow -Wconversion -pedantic
                       $<$<BOOL:${ZT_WERROR}>:-Werror>)
target_include_directories(test_modern_abi_cxx PRIVATE ${_zm_inc})
add_test(NAME unit.test_modern_abi_cxx COMMAND test_modern_abi_cxx)
set_tests_properties(unit.test_modern_abi_cxx PROPERTIES LABELS unit TIMEOUT 60)

# What needs no node: identities, address text, derived addresses, roots signing.
zt_modern_test(test_modern_util 120 ${_zm_dir}/test_modern_util.c)

# The control calls in every state, start/stop cycles and their events, storage and memory
# modes, on a world whose only root (127.0.0.1) never answers.
zt_modern_test(test_modern_control 240 ${_zm_dir}/test_modern_control.c
               ${_zm_dir}/modern_ctl_fixture.c)

# libzt-modern.so's exports against cmake/libzt-modern.exports and the header.
add_test(NAME unit.test_modern_exports
         COMMAND bash ${_zm_dir}/modern_exports.sh $<TARGET_FILE:libzt-modern::zt>
                 ${CMAKE_SOURCE_DIR}/cmake/libzt-modern.exports ${_zm_inc}/ZeroTierSockets.h
                 ${CMAKE_C_COMPILER})
set_tests_properties(unit.test_modern_exports PROPERTIES LABELS unit TIMEOUT 60)
