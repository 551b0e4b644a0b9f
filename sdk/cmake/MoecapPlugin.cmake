# moecap_add_plugin(<name> KIND <backend|model|task|sink> [VARIANT <v>] SOURCES <src>... [LINK <lib>...]
#                   [NO_INSTALL])
#
# Creates a MODULE library named libmoecap-<kind>-<name>[-<variant>].so that
#  - compiles against the moecap SDK headers (C99 ABI + header-only C++ layer),
#  - hides every symbol but moecap_plugin_negotiate / moecap_plugin_probe (linker version script, ABI-9),
#  - refuses undefined symbols at link time (-z defs), so a plugin never fails to load for a missing one,
#  - installs into lib/moecap/plugins, where the host looks next to its executable.
# The CMake target is called moecap-<kind>-<name>[-<variant>].
include_guard(GLOBAL)

set(MOECAP_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/moecap_plugin.map" CACHE INTERNAL "")

function(moecap_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "KIND;VARIANT" "SOURCES;LINK" ${ARGN})
  if(NOT P_KIND MATCHES "^(backend|model|task|sink)$")
    message(FATAL_ERROR "moecap_add_plugin(${name}): KIND must be backend, model, task or sink, not '${P_KIND}'")
  endif()
  if(NOT P_SOURCES)
    message(FATAL_ERROR "moecap_add_plugin(${name}): SOURCES is empty")
  endif()
  set(target "moecap-${P_KIND}-${name}")
  if(NOT "${P_VARIANT}" STREQUAL "")
    set(target "${target}-${P_VARIANT}")
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "${target}"
    PREFIX "lib"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(TARGET moecap::sdk)
    target_link_libraries(${target} PRIVATE moecap::sdk)
  else()
    target_link_libraries(${target} PRIVATE moecap_sdk)
  endif()
  if(P_LINK)
    target_link_libraries(${target} PRIVATE ${P_LINK})
  endif()
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${target} PRIVATE "-Wl,--version-script=${MOECAP_PLUGIN_MAP}" "-Wl,-z,defs")
  endif()
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION lib/moecap/plugins)
  endif()
endfunction()
