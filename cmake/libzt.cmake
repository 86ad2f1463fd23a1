# libzt and libzt-modern: the libraries embedders link (api.md sections 1, 10.3, 10.4;
# api-modern.md §9.3; docs/decisions.md "Issue 14").
#
# Two API generations over the same core, stack, socket layer and service (src/sdk/svc.h),
# each a library of its own because their names clash (api-modern.md §8.2):
#
#   libzt.a / libzt.so                 the 1.3 API, include/ZeroTierSockets.h
#   libzt-modern.a / libzt-modern.so   the modern (1.8) API, include/libzt-modern/ZeroTierSockets.h
#
# Each is built as every internal library's objects, lwIP included; the static one is linked
# with the system libraries (pkg-config files, CMake packages), the shared one exports only
# what its version script lists (cmake/libzt.map; for libzt-modern the same with the zts_*
# pattern replaced by cmake/libzt-modern.exports), -Wl,--no-undefined.
#
# Target names.  DevilutionX (api.md 10.4, api-modern.md §9.3) links the targets `zt-static`
# (or `zt-shared` on Android) by name from a FetchContent checkout, and both generations'
# upstreams used those names.  The cache option ZT_LIBZT_API says which library they build:
#
#   ZT_LIBZT_API=1.3 (default)   zt-static/zt-shared -> libzt;  zt-modern-static/-shared -> libzt-modern
#   ZT_LIBZT_API=modern          zt-static/zt-shared -> libzt-modern;  zt13-static/-shared -> libzt
#
# Output names, install paths and package names never change with the option.  In-tree users
# link the aliases, which never change either: libzt::zt-static, libzt::zt (the 1.3 library)
# and libzt-modern::zt-static, libzt-modern::zt (the modern one), as the installed CMake
# packages libzt and libzt-modern name them.  The targets carry their include directories
# (the API's header directory, lwIP's headers, src/stack for lwipopts.h and the port's arch/
# headers) and, for the static ones, the system libraries.
#
# `cmake --install` installs both side by side: the libraries into lib/, ZeroTierSockets.h
# (1.3) and zts_controller.h into include/, the modern ZeroTierSockets.h into
# include/libzt-modern/, lwIP's headers with our lwipopts.h and arch/*.h into include/libzt/
# (shared by both), libzt.pc and libzt-modern.pc, and the CMake packages libzt and
# libzt-modern (lib/cmake/<name>).  Included from the top-level CMakeLists.txt after
# add_subdirectory(src); does nothing when the socket API is not built (the fuzz build
# configures with -DZT_BUILD_LWIP=OFF).
if(NOT TARGET zt_api OR NOT TARGET zt_modern)
  message(STATUS "libzt: zt_api is not built (ZT_BUILD_LWIP=OFF?): no zt-static/zt-shared")
  return()
endif()

set(ZT_LIBZT_API "1.3" CACHE STRING
    "API generation built by the targets zt-static/zt-shared: 1.3 (libzt) or modern (libzt-modern)")
set_property(CACHE ZT_LIBZT_API PROPERTY STRINGS 1.3 modern)
if(ZT_LIBZT_API STREQUAL "1.3")
  set(_zt13_tgt zt)
  set(_ztm_tgt zt-modern)
elseif(ZT_LIBZT_API STREQUAL "modern")
  set(_zt13_tgt zt13)
  set(_ztm_tgt zt)
else()
  message(FATAL_ERROR "ZT_LIBZT_API must be 1.3 or modern, not '${ZT_LIBZT_API}'")
endif()

# Paths from this file, not CMAKE_SOURCE_DIR/CMAKE_BINARY_DIR, which belong to the outer
# project when this tree is a FetchContent/add_subdirectory dependency (DevilutionX).
get_filename_component(_zt_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(_zt_out "${CMAKE_CURRENT_BINARY_DIR}")

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# ---- What goes in -----------------------------------------------------------------------------

# Every internal library, in dependency order; the first one is the API's front end.
# zt_controller brings zts_controller_* (and the runner needs it).  A library added under src/
# later must be added here: the shared link (--no-undefined) and
# tests/integration/libzt_install.sh fail until it is.
set(_zt_common_parts zt_svc zt_netcfg zt_sock zt_sdk zt_controller zt_stack zt_lwip zt_core
    zt_codec zt_io zt_crypto zt_util)
set(ZT_LIBZT_PARTS zt_api zt_socket ${_zt_common_parts})
set(ZT_LIBZT_MODERN_PARTS zt_modern ${_zt_common_parts})

# The system libraries the objects need, as pkg-config modules (one list for the shared
# links, the static targets' link interface, the .pc files and the Config.cmake files).
# src/ declares the same dependencies on its targets (cmake/deps.cmake,
# src/controller/CMakeLists.txt), but those imported targets are scoped to their
# directories, so they are looked up again here under prefixes of our own.  Each entry:
# <prefix>=<module spec>.
set(ZT_LIBZT_PKG_DEPS
    "ZT_LIBZT_SODIUM=libsodium>=1.0.18"
    "ZT_LIBZT_CRYPTO=libcrypto"
    "ZT_LIBZT_LZ4=liblz4"
    "ZT_LIBZT_JANSSON=jansson"
    "ZT_LIBZT_SQLITE3=sqlite3")
set(_zt_libzt_deps "")
set(_zt_libzt_pc_requires "")
set(ZT_LIBZT_CONFIG_PKG_DEPS "")
foreach(_zt_dep IN LISTS ZT_LIBZT_PKG_DEPS)
  string(FIND "${_zt_dep}" "=" _zt_eq)
  string(SUBSTRING "${_zt_dep}" 0 ${_zt_eq} _zt_pfx)
  math(EXPR _zt_eq "${_zt_eq} + 1")
  string(SUBSTRING "${_zt_dep}" ${_zt_eq} -1 _zt_mod)
  if(NOT TARGET PkgConfig::${_zt_pfx})
    pkg_check_modules(${_zt_pfx} REQUIRED QUIET IMPORTED_TARGET "${_zt_mod}")
  endif()
  list(APPEND _zt_libzt_deps PkgConfig::${_zt_pfx})
  # pkg-config wants "libsodium >= 1.0.18", CMake's pkg_check_modules "libsodium>=1.0.18".
  string(REGEX REPLACE "([<>=]+)" " \\1 " _zt_pcmod "${_zt_mod}")
  list(APPEND _zt_libzt_pc_requires "${_zt_pcmod}")
  string(APPEND ZT_LIBZT_CONFIG_PKG_DEPS " \"${_zt_dep}\"")
endforeach()
list(APPEND _zt_libzt_deps Threads::Threads)

# libzt-modern.so's version script: libzt.map with its "zts_*;" line replaced by the names of
# cmake/libzt-modern.exports (the modern library also holds zts_controller_* objects, which it
# must not export).
set(ZT_LIBZT_MAP "${CMAKE_CURRENT_LIST_DIR}/libzt.map")
set(ZT_LIBZT_MODERN_EXPORTS "${CMAKE_CURRENT_LIST_DIR}/libzt-modern.exports")
set(ZT_LIBZT_MODERN_MAP "${_zt_out}/libzt-modern.map")
file(STRINGS "${ZT_LIBZT_MODERN_EXPORTS}" _zt_list REGEX "^zts_")
set(_zt_names "    /* libzt-modern/ZeroTierSockets.h (cmake/libzt-modern.exports) */")
foreach(_zt_name IN LISTS _zt_list)
  string(APPEND _zt_names "\n    ${_zt_name};")
endforeach()
file(READ "${ZT_LIBZT_MAP}" _zt_map)
set(_zt_line "\n    /* ZeroTierSockets.h, zts_controller.h */\n    zts_*;\n")
string(FIND "${_zt_map}" "${_zt_line}" _zt_at)
if(_zt_at LESS 0)
  message(FATAL_ERROR "libzt: cmake/libzt.map has no zts_* entry (with its comment) to replace")
endif()
string(REPLACE "${_zt_line}" "\n${_zt_names}\n" _zt_map "${_zt_map}")
file(CONFIGURE OUTPUT "${ZT_LIBZT_MODERN_MAP}" CONTENT "${_zt_map}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${ZT_LIBZT_MAP}" "${ZT_LIBZT_MODERN_EXPORTS}")

# zt_libzt_library(<target prefix> <output name> <header dir> <version script> <parts...>):
# <prefix>-static and <prefix>-shared from the parts' objects.
function(zt_libzt_library prefix output hdrdir map)
  set(parts ${ARGN})
  set(objects "")
  foreach(part IN LISTS parts)
    if(NOT TARGET ${part})
      message(FATAL_ERROR "libzt: internal library ${part} is not defined")
    endif()
    get_target_property(type ${part} TYPE)
    if(NOT type STREQUAL "STATIC_LIBRARY" AND NOT type STREQUAL "OBJECT_LIBRARY")
      message(FATAL_ERROR "libzt: ${part} is a ${type}, expected a static library")
    endif()
    # The shared library is made of these objects: they must be position-independent.
    set_property(TARGET ${part} PROPERTY POSITION_INDEPENDENT_CODE ON)
    list(APPEND objects "$<TARGET_OBJECTS:${part}>")
  endforeach()
  # The header directory in the install tree: include/<dir> -> ${includedir}/<dir>.
  string(REGEX REPLACE "^include/?" "" instdir "${hdrdir}")
  set(includes
      "$<BUILD_INTERFACE:${_zt_root}/${hdrdir}>"
      "$<BUILD_INTERFACE:${ZT_LWIP_SRC}/src/include>"
      "$<BUILD_INTERFACE:${_zt_root}/src/stack>"
      "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/${instdir}>"
      "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/libzt>")

  # Objects of static libraries in $<TARGET_OBJECTS:...> (CMake >= 3.15 allows it for any
  # library type): CMake archives them directly, no ar-script merging.  Objects from
  # different directories may share a basename (lwIP's netif.c and ours); ar keeps both
  # members and the archive's symbol index tells the linker which is which.
  add_library(${prefix}-static STATIC ${objects})
  set_target_properties(${prefix}-static PROPERTIES
    OUTPUT_NAME ${output}
    LINKER_LANGUAGE C
    EXPORT_NAME zt-static)
  target_include_directories(${prefix}-static INTERFACE ${includes})
  # PRIVATE on a static library: nothing to link now, $<LINK_ONLY:...> in its interface.
  target_link_libraries(${prefix}-static PRIVATE ${_zt_libzt_deps})
  add_dependencies(${prefix}-static ${parts})

  add_library(${prefix}-shared SHARED ${objects})
  set_target_properties(${prefix}-shared PROPERTIES
    OUTPUT_NAME ${output}
    LINKER_LANGUAGE C
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}
    EXPORT_NAME zt
    LINK_DEPENDS "${map}")
  target_include_directories(${prefix}-shared INTERFACE ${includes})
  target_link_libraries(${prefix}-shared PRIVATE ${_zt_libzt_deps})
  target_link_options(${prefix}-shared PRIVATE "LINKER:--version-script=${map}")
  # lwIP's exported names are generic (sys_now, mem_free, dns_init): bind the library's own
  # calls to its own functions, so that a program defining one of these names cannot hijack
  # lwIP's internals.  Functions only: exported data (netif_default, in6addr_any) must stay
  # interposable, since programs reach it through copy relocations.
  target_link_options(${prefix}-shared PRIVATE "LINKER:-Bsymbolic-functions")
  # Every dependency is named on the link line, so an unresolved symbol is a bug in the list
  # above.  Not with clang's sanitizers: clang leaves their runtime out of shared objects.
  if(NOT ((ZT_SANITIZE OR ZT_FUZZ) AND CMAKE_C_COMPILER_ID MATCHES "Clang"))
    target_link_options(${prefix}-shared PRIVATE "LINKER:--no-undefined")
  endif()
  add_dependencies(${prefix}-shared ${parts})
endfunction()

# ---- The two libraries ------------------------------------------------------------------------

zt_libzt_library(${_zt13_tgt} zt include "${ZT_LIBZT_MAP}" ${ZT_LIBZT_PARTS})
add_library(libzt::zt-static ALIAS ${_zt13_tgt}-static)
add_library(libzt::zt ALIAS ${_zt13_tgt}-shared)

zt_libzt_library(${_ztm_tgt} zt-modern include/libzt-modern "${ZT_LIBZT_MODERN_MAP}"
                 ${ZT_LIBZT_MODERN_PARTS})
add_library(libzt-modern::zt-static ALIAS ${_ztm_tgt}-static)
add_library(libzt-modern::zt ALIAS ${_ztm_tgt}-shared)
# Programs linking the modern library see include/ZeroTierSockets.h as the modern header even
# with include/ first on their path (DevilutionX puts it there, api-modern.md §9.2-§9.3): that
# header includes libzt-modern/ZeroTierSockets.h when ZT_LIBZT_MODERN is defined.
target_compile_definitions(${_ztm_tgt}-static INTERFACE ZT_LIBZT_MODERN=1)
target_compile_definitions(${_ztm_tgt}-shared INTERFACE ZT_LIBZT_MODERN=1)

# ---- Install ----------------------------------------------------------------------------------

# zt_libzt_install(<target prefix> <package> <description> <header dir under include/>):
# the two libraries, <package>.pc and the CMake package <package>.
function(zt_libzt_install prefix pkg description incsub)
  set(cmakedir "${CMAKE_INSTALL_LIBDIR}/cmake/${pkg}")
  install(TARGETS ${prefix}-shared EXPORT ${pkg}SharedTargets
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  install(TARGETS ${prefix}-static EXPORT ${pkg}StaticTargets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  install(EXPORT ${pkg}SharedTargets NAMESPACE ${pkg}:: DESTINATION "${cmakedir}")
  install(EXPORT ${pkg}StaticTargets NAMESPACE ${pkg}:: DESTINATION "${cmakedir}")

  # <pkg>.pc, relocatable: prefix is found from the .pc file's own directory.
  file(RELATIVE_PATH ZT_LIBZT_PC_RELPREFIX
       "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" ZT_LIBZT_PC_RELPREFIX "${ZT_LIBZT_PC_RELPREFIX}")
  list(JOIN _zt_libzt_pc_requires ", " ZT_LIBZT_PC_REQUIRES)
  set(ZT_LIBZT_PC_LIBS_PRIVATE "-pthread")
  set(ZT_LIBZT_PC_NAME "${pkg}")
  set(ZT_LIBZT_PC_DESCRIPTION "${description}")
  string(REGEX REPLACE "^lib" "" ZT_LIBZT_PC_LIB "${pkg}")
  if(incsub STREQUAL "")
    set(ZT_LIBZT_PC_CFLAGS "-I\${includedir} -I\${includedir}/libzt")
  else()
    set(ZT_LIBZT_PC_CFLAGS "-I\${includedir}/${incsub} -I\${includedir}/libzt")
  endif()
  configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/libzt.pc.in" "${_zt_out}/${pkg}.pc" @ONLY)
  install(FILES "${_zt_out}/${pkg}.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

  # find_package(<pkg>): config + version files next to the exported targets.
  set(ZT_LIBZT_PKG "${pkg}")
  configure_package_config_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/libztConfig.cmake.in"
    "${_zt_out}/${pkg}Config.cmake"
    INSTALL_DESTINATION "${cmakedir}")
  write_basic_package_version_file("${_zt_out}/${pkg}ConfigVersion.cmake"
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMajorVersion)
  install(FILES "${_zt_out}/${pkg}Config.cmake" "${_zt_out}/${pkg}ConfigVersion.cmake"
    DESTINATION "${cmakedir}")
endfunction()

zt_libzt_install(${_zt13_tgt} libzt
                 "ZeroTier SDK (libzt 1.3 API: ZeroTierSockets.h) with its embedded lwIP stack" "")
zt_libzt_install(${_ztm_tgt} libzt-modern
                 "ZeroTier SDK (libzt 1.8 modern API: libzt-modern/ZeroTierSockets.h) with its embedded lwIP stack"
                 libzt-modern)

# Public headers: include/ holds only installed headers (style.md section 2); the modern
# header goes to include/libzt-modern/ (the same path as in the source tree).
install(DIRECTORY "${_zt_root}/include/"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h"
  PATTERN "libzt-modern" EXCLUDE)
install(FILES "${_zt_root}/include/libzt-modern/ZeroTierSockets.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/libzt-modern")
# lwIP's headers as configured for libzt (api.md 10.3): `-I<prefix>/include/libzt` makes
# <lwip/sockets.h> find our lwipopts.h ("lwipopts.h") and port ("arch/cc.h").
install(DIRECTORY "${ZT_LWIP_SRC}/src/include/lwip" "${ZT_LWIP_SRC}/src/include/netif"
                  "${ZT_LWIP_SRC}/src/include/compat"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/libzt"
  FILES_MATCHING PATTERN "*.h")
install(FILES "${_zt_root}/src/stack/lwipopts.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/libzt")
install(DIRECTORY "${_zt_root}/src/stack/arch/"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/libzt/arch"
  FILES_MATCHING PATTERN "*.h")

unset(_zt_root)
unset(_zt_out)
unset(_zt_dep)
unset(_zt_eq)
unset(_zt_pfx)
unset(_zt_mod)
unset(_zt_pcmod)
unset(_zt_names)
unset(_zt_name)
unset(_zt_list)
unset(_zt_map)
unset(_zt_at)
unset(_zt_line)
