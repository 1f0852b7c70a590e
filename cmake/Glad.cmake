# glad 2 (Debian python3-glad 2.0.2), generated at build time into the build tree.
#
# forklab_add_glad() defines the static library target `forklab_glad`: an OpenGL 3.3 core loader
# with no extensions and the built-in loader (gladLoaderLoadGL) besides gladLoadGL(getProcAddr).
# It is the loader for the app's own GL calls only; the Dear ImGui OpenGL3 backend from Debian's
# libimgui.a brings its own loader (imgl3w*), and the two do not clash (reference/platform.md §3).
#
# Why the invocation looks like this (reference/platform.md §4):
#   - /usr/bin/glad by absolute path: its shebang is /usr/bin/python3, so a pyenv python3 on PATH
#     cannot break it, whereas `python3 -m glad` can pick the wrong interpreter;
#   - PYTHONHOME/PYTHONPATH unset: a PYTHONHOME from the build environment breaks its metadata lookup;
#   - --reproducible: use the bundled gl.xml instead of downloading it (no network here);
#   - --quiet: no [DEBUG] lines in the build log;
#   - --extensions= (empty): no extensions, a 63 KB gl.c instead of 625 KB.
include_guard(GLOBAL)

function(forklab_add_glad)
  if(TARGET forklab_glad)
    return()
  endif()

  find_program(FORKLAB_GLAD_EXECUTABLE glad PATHS /usr/bin NO_DEFAULT_PATH
               DOC "glad 2 generator (Debian package python3-glad)")
  if(NOT FORKLAB_GLAD_EXECUTABLE)
    message(FATAL_ERROR
      "forklab: /usr/bin/glad not found. Install it with: apt-get install python3-glad")
  endif()

  set(out ${CMAKE_BINARY_DIR}/generated/glad)
  set(outputs
      ${out}/src/gl.c
      ${out}/include/glad/gl.h
      ${out}/include/KHR/khrplatform.h)

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${out}
    COMMAND ${CMAKE_COMMAND} -E env --unset=PYTHONHOME --unset=PYTHONPATH
            ${FORKLAB_GLAD_EXECUTABLE} --quiet --reproducible
            --api gl:core=3.3 --extensions= --out-path ${out} c --loader
    DEPENDS ${CMAKE_CURRENT_FUNCTION_LIST_FILE}
    COMMENT "Generating glad OpenGL 3.3 core loader"
    VERBATIM)

  add_library(forklab_glad STATIC ${out}/src/gl.c)
  # SYSTEM: the generated header is not ours to keep warning-free in every consumer.
  target_include_directories(forklab_glad SYSTEM PUBLIC ${out}/include)
  set_target_properties(forklab_glad PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # gladLoaderLoadGL() dlopens libGL itself.
  target_link_libraries(forklab_glad PRIVATE ${CMAKE_DL_LIBS})
endfunction()
