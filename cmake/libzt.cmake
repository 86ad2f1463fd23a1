# libzt: the library embedders link (api.md sections 1, 10.3, 10.4).
#
#   zt-static  libzt.a   every internal library's objects, lwIP included: a program links
#                        libzt.a plus the system libraries (libzt.pc, libztConfig.cmake)
#   zt-shared  libzt.so  the same objects; exports only what cmake/libzt.map lists (zts_*,
#                        lwIP's public API, the core-lock functions); -Wl,--no-undefined
#
# Both are built by default.  DevilutionX (api.md 10.4) links the target `zt-static` (or
# `zt-shared` on Android) by name from a FetchContent checkout; the targets therefore carry
# their include directories (our include/, lwIP's headers, src/stack for lwipopts.h and the
# port's arch/ headers) and, for the static one, the system libraries.  The aliases
# libzt::zt and libzt::zt-static match the installed CMake package.
#
# `cmake --install` installs both libraries, ZeroTierSockets.h and zts_controller.h into
# include/, lwIP's headers with our lwipopts.h and arch/*.h into include/libzt/, libzt.pc,
# and the CMake package libzt (lib/cmake/libzt).  Included from the top-level CMakeLists.txt
# after add_subdirectory(src); does nothing when the socket API is not built (the fuzz
# build configures with -DZT_BUILD_LWIP=OFF).
if(NOT TARGET zt_api)
  message(STATUS "libzt: zt_api is not built (ZT_BUILD_LWIP=OFF?): no zt-static/zt-shared")
  return()
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

# Every internal library, in dependency order.  zt_controller brings zts_controller_*; the
# others are reached from zt_api.  A library added under src/ later must be added here: the
# shared link (--no-undefined) and tests/integration/libzt_install.sh fail until it is.
set(ZT_LIBZT_PARTS zt_api zt_netcfg zt_socket zt_sdk zt_controller zt_stack zt_lwip zt_core zt_codec
    zt_io zt_crypto zt_util)
set(_zt_libzt_objects "")
foreach(_zt_part IN LISTS ZT_LIBZT_PARTS)
  if(NOT TARGET ${_zt_part})
    message(FATAL_ERROR "libzt: internal library ${_zt_part} is not defined")
  endif()
  get_target_property(_zt_type ${_zt_part} TYPE)
  if(NOT _zt_type STREQUAL "STATIC_LIBRARY" AND NOT _zt_type STREQUAL "OBJECT_LIBRARY")
    message(FATAL_ERROR "libzt: ${_zt_part} is a ${_zt_type}, expected a static library")
  endif()
  # libzt.so is made of these objects: they must be position-independent.
  set_property(TARGET ${_zt_part} PROPERTY POSITION_INDEPENDENT_CODE ON)
  list(APPEND _zt_libzt_objects "$<TARGET_OBJECTS:${_zt_part}>")
endforeach()

# The system libraries the objects need, as pkg-config modules (one list for libzt.so's link,
# zt-static's link interface, libzt.pc and libztConfig.cmake).  src/ declares the same
# dependencies on its targets (cmake/deps.cmake, src/controller/CMakeLists.txt), but those
# imported targets are scoped to their directories, so they are looked up again here under
# prefixes of our own.  Each entry: <prefix>=<module spec>.
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

# The include directories a user of either library needs.
set(_zt_libzt_includes
    "$<BUILD_INTERFACE:${_zt_root}/include>"
    "$<BUILD_INTERFACE:${ZT_LWIP_SRC}/src/include>"
    "$<BUILD_INTERFACE:${_zt_root}/src/stack>"
    "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>"
    "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/libzt>")

# ---- libzt.a ----------------------------------------------------------------------------------

# Objects of static libraries in $<TARGET_OBJECTS:...> (CMake >= 3.15 allows it for any
# library type): CMake archives them directly, no ar-script merging.  Objects from different
# directories may share a basename (lwIP's netif.c and ours); ar keeps both members and the
# archive's symbol index tells the linker which is which.
add_library(zt-static STATIC ${_zt_libzt_objects})
set_target_properties(zt-static PROPERTIES
  OUTPUT_NAME zt
  LINKER_LANGUAGE C
  EXPORT_NAME zt-static)
target_include_directories(zt-static INTERFACE ${_zt_libzt_includes})
# PRIVATE on a static library: nothing to link now, $<LINK_ONLY:...> in its interface.
target_link_libraries(zt-static PRIVATE ${_zt_libzt_deps})
add_dependencies(zt-static ${ZT_LIBZT_PARTS})
add_library(libzt::zt-static ALIAS zt-static)

# ---- libzt.so ---------------------------------------------------------------------------------

set(ZT_LIBZT_MAP "${CMAKE_CURRENT_LIST_DIR}/libzt.map")
add_library(zt-shared SHARED ${_zt_libzt_objects})
set_target_properties(zt-shared PROPERTIES
  OUTPUT_NAME zt
  LINKER_LANGUAGE C
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  EXPORT_NAME zt
  LINK_DEPENDS "${ZT_LIBZT_MAP}")
target_include_directories(zt-shared INTERFACE ${_zt_libzt_includes})
target_link_libraries(zt-shared PRIVATE ${_zt_libzt_deps})
target_link_options(zt-shared PRIVATE "LINKER:--version-script=${ZT_LIBZT_MAP}")
# lwIP's exported names are generic (sys_now, mem_free, dns_init): bind the library's own
# calls to its own functions, so that a program defining one of these names cannot hijack
# lwIP's internals.  Functions only: exported data (netif_default, in6addr_any) must stay
# interposable, since programs reach it through copy relocations.
target_link_options(zt-shared PRIVATE "LINKER:-Bsymbolic-functions")
# Every dependency is named on the link line, so an unresolved symbol is a bug in the list
# above.  Not with clang's sanitizers: clang leaves their runtime out of shared objects.
if(NOT ((ZT_SANITIZE OR ZT_FUZZ) AND CMAKE_C_COMPILER_ID MATCHES "Clang"))
  target_link_options(zt-shared PRIVATE "LINKER:--no-undefined")
endif()
add_dependencies(zt-shared ${ZT_LIBZT_PARTS})
add_library(libzt::zt ALIAS zt-shared)

# ---- Install ----------------------------------------------------------------------------------

set(ZT_LIBZT_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/libzt")

install(TARGETS zt-shared EXPORT libztSharedTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS zt-static EXPORT libztStaticTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(EXPORT libztSharedTargets NAMESPACE libzt:: DESTINATION "${ZT_LIBZT_CMAKEDIR}")
install(EXPORT libztStaticTargets NAMESPACE libzt:: DESTINATION "${ZT_LIBZT_CMAKEDIR}")

# Public headers: include/ holds only installed headers (style.md section 2).
install(DIRECTORY "${_zt_root}/include/"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h")
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

# libzt.pc, relocatable: prefix is found from the .pc file's own directory.
file(RELATIVE_PATH ZT_LIBZT_PC_RELPREFIX
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" ZT_LIBZT_PC_RELPREFIX "${ZT_LIBZT_PC_RELPREFIX}")
list(JOIN _zt_libzt_pc_requires ", " ZT_LIBZT_PC_REQUIRES)
set(ZT_LIBZT_PC_LIBS_PRIVATE "-pthread")
configure_file("${CMAKE_CURRENT_LIST_DIR}/libzt.pc.in" "${_zt_out}/libzt.pc" @ONLY)
install(FILES "${_zt_out}/libzt.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# find_package(libzt): config + version files next to the exported targets.
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/libztConfig.cmake.in"
  "${_zt_out}/libztConfig.cmake"
  INSTALL_DESTINATION "${ZT_LIBZT_CMAKEDIR}")
write_basic_package_version_file("${_zt_out}/libztConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES "${_zt_out}/libztConfig.cmake"
              "${_zt_out}/libztConfigVersion.cmake"
  DESTINATION "${ZT_LIBZT_CMAKEDIR}")

unset(_zt_root)
unset(_zt_out)
unset(_zt_part)
unset(_zt_type)
unset(_zt_dep)
unset(_zt_eq)
unset(_zt_pfx)
unset(_zt_mod)
unset(_zt_pcmod)
