# cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -DHOST_TEST=<test_out_of_tree_host> [-DGENERATOR=<g>]
#       [-DC_COMPILER=<cc> -DCXX_COMPILER=<c++>] -P run_out_of_tree.cmake
#
# Installs the SDK alone, builds tests/out_of_tree/project against the installed package only (as a vendor
# would), then has the host load and run the result.
foreach(var SOURCE_DIR WORK_DIR HOST_TEST)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_out_of_tree.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(generator_args)
if(GENERATOR)
  set(generator_args -G ${GENERATOR})
endif()
set(compiler_args)
if(C_COMPILER)
  list(APPEND compiler_args -DCMAKE_C_COMPILER=${C_COMPILER})
endif()
if(CXX_COMPILER)
  list(APPEND compiler_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()

function(step description)
  message(STATUS "out-of-tree: ${description}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "out-of-tree: ${description} failed (${result}):\n${output}")
  endif()
endfunction()

step("configure the SDK alone"
     ${CMAKE_COMMAND} -S ${SOURCE_DIR}/sdk -B ${WORK_DIR}/sdk-build ${generator_args} ${compiler_args})
step("install the SDK" ${CMAKE_COMMAND} --install ${WORK_DIR}/sdk-build --prefix ${WORK_DIR}/prefix)
if(NOT EXISTS ${WORK_DIR}/prefix/lib/cmake/moecap_sdk/moecap_sdkConfig.cmake)
  message(FATAL_ERROR "out-of-tree: the SDK install has no moecap_sdkConfig.cmake")
endif()
# Only the installed prefix is visible to the plugin project: not the repository, not the host's build.
step("configure the vendor plugin against the installed SDK"
     ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/out_of_tree/project -B ${WORK_DIR}/plugin-build ${generator_args}
     ${compiler_args} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=RelWithDebInfo)
step("build the vendor plugin" ${CMAKE_COMMAND} --build ${WORK_DIR}/plugin-build)

file(GLOB_RECURSE plugin ${WORK_DIR}/plugin-build/libmoecap-sink-oot_file.so)
if(NOT plugin)
  message(FATAL_ERROR "out-of-tree: libmoecap-sink-oot_file.so was not built")
endif()
file(MAKE_DIRECTORY ${WORK_DIR}/scratch)
execute_process(COMMAND ${HOST_TEST} ${plugin} ${WORK_DIR}/scratch RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "out-of-tree: the host could not load or run ${plugin} (${result})")
endif()
