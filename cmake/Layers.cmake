# The layers of src/ and the headers each may include, read from cmake/layers.txt (the one
# place the include graph is written; scripts/check_layers.py reads the same file).
#
# Each layer compiles against an include *view*: a folder of the build tree holding
# symbolic links to its own src/<layer>/, to src/<dep>/ for each layer it may use, and to
# the headers of include/nuthatch/ that belong to those layers. An include of any other
# header is not found, so an upward include fails to compile, naming the header.

set(NUTHATCH_LAYERS_FILE ${PROJECT_SOURCE_DIR}/cmake/layers.txt)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${NUTHATCH_LAYERS_FILE})

# Sets, in the caller's scope:
#   NUTHATCH_LAYERS                 every layer, bottom-up (the order of the file)
#   NUTHATCH_LAYER_USES_<layer>     the layers it may use, as written (`x` or `x:public`)
#   NUTHATCH_LAYER_PUBLIC_<layer>   the headers of include/nuthatch/ it owns
function(nuthatch_read_layers)
  file(STRINGS ${NUTHATCH_LAYERS_FILE} lines)
  set(layers "")
  set(owned "")
  set(line_number 0)
  foreach(line IN LISTS lines)
    math(EXPR line_number "${line_number} + 1")
    string(REGEX REPLACE "#.*$" "" line "${line}")
    string(STRIP "${line}" line)
    if(line STREQUAL "")
      continue()
    endif()
    set(where "${NUTHATCH_LAYERS_FILE}:${line_number}")
    if(line MATCHES "^layer +([a-z_]+) *:(.*)$")
      set(name ${CMAKE_MATCH_1})
      string(REGEX MATCHALL "[^ \t]+" uses "${CMAKE_MATCH_2}")
      if(name IN_LIST layers)
        message(FATAL_ERROR "${where}: layer ${name} is declared twice")
      endif()
      foreach(use IN LISTS uses)
        string(REGEX REPLACE ":public$" "" used "${use}")
        if(NOT used IN_LIST layers)
          message(FATAL_ERROR "${where}: layer ${name} uses '${used}', which is not a "
                              "layer declared above it (layers are listed bottom-up)")
        endif()
      endforeach()
      list(APPEND layers ${name})
      set(NUTHATCH_LAYER_USES_${name} ${uses} PARENT_SCOPE)
    elseif(line MATCHES "^public +([a-z_]+) *:(.*)$")
      set(name ${CMAKE_MATCH_1})
      string(REGEX MATCHALL "[^ \t]+" headers "${CMAKE_MATCH_2}")
      if(NOT name IN_LIST layers)
        message(FATAL_ERROR "${where}: public headers for '${name}', which is not a layer")
      endif()
      foreach(header IN LISTS headers)
        if(header IN_LIST owned)
          message(FATAL_ERROR "${where}: nuthatch/${header} belongs to two layers")
        endif()
      endforeach()
      list(APPEND owned ${headers})
      set(NUTHATCH_LAYER_PUBLIC_${name} ${headers} PARENT_SCOPE)
    else()
      message(FATAL_ERROR "${where}: expected `layer <name>: <uses>` or "
                          "`public <layer>: <headers>`, got '${line}'")
    endif()
  endforeach()

  # Checked again (and failed) by scripts/check_layers.py; a warning here keeps the tree
  # buildable while a new header or folder is being added.
  file(GLOB public_headers RELATIVE ${PROJECT_SOURCE_DIR}/include/nuthatch
       ${PROJECT_SOURCE_DIR}/include/nuthatch/*.hpp)
  foreach(header IN LISTS public_headers)
    if(NOT header IN_LIST owned)
      message(WARNING "include/nuthatch/${header} belongs to no layer, so no layer sees "
                      "it: add it to a `public` line of ${NUTHATCH_LAYERS_FILE}")
    endif()
  endforeach()
  file(GLOB folders LIST_DIRECTORIES true RELATIVE ${PROJECT_SOURCE_DIR}/src
       ${PROJECT_SOURCE_DIR}/src/*)
  foreach(folder IN LISTS folders)
    if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/src/${folder} AND NOT folder IN_LIST layers)
      message(WARNING "src/${folder}/ is not a layer, so it is not built: add a "
                      "`layer ${folder}: ...` line to ${NUTHATCH_LAYERS_FILE}")
    endif()
  endforeach()
  set(NUTHATCH_LAYERS ${layers} PARENT_SCOPE)
endfunction()

# Creates (or refreshes) the include view of `layer` and stores its folder in `out_var`.
# A layer folder or a public header that does not exist yet still gets its link, so it is
# visible as soon as it is written, without a reconfigure.
function(nuthatch_layer_view layer out_var)
  set(view ${PROJECT_BINARY_DIR}/layer_views/${layer})
  set(private_layers ${layer})
  set(public_layers ${layer})
  foreach(use IN LISTS NUTHATCH_LAYER_USES_${layer})
    if(use MATCHES "^(.*):public$")
      list(APPEND public_layers ${CMAKE_MATCH_1})
    else()
      list(APPEND private_layers ${use})
      list(APPEND public_layers ${use})
    endif()
  endforeach()

  # Remove the links of the previous configure (links only: never what they point to).
  file(MAKE_DIRECTORY ${view}/nuthatch)
  file(GLOB old LIST_DIRECTORIES true ${view}/* ${view}/nuthatch/*)
  foreach(entry IN LISTS old)
    if(IS_SYMLINK ${entry})
      file(REMOVE ${entry})
    endif()
  endforeach()

  foreach(dep IN LISTS private_layers)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${dep} ${view}/${dep} SYMBOLIC)
  endforeach()
  foreach(dep IN LISTS public_layers)
    foreach(header IN LISTS NUTHATCH_LAYER_PUBLIC_${dep})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/nuthatch/${header}
           ${view}/nuthatch/${header} SYMBOLIC)
    endforeach()
  endforeach()
  set(${out_var} ${view} PARENT_SCOPE)
endfunction()

# ctest entries (neither needs a build): the check of the tree, and the check's own tests
# on fake trees (a bad include must fail it).
function(nuthatch_add_layer_tests)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(NOT Python3_Interpreter_FOUND)
    message(WARNING "No Python 3 interpreter: ctest will not run scripts/check_layers.py")
    return()
  endif()
  add_test(NAME layers_check
           COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/scripts/check_layers.py
                   --root ${PROJECT_SOURCE_DIR})
  add_test(NAME layers_check_script
           COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tests/layers/test_check_layers.py)
  set_tests_properties(layers_check layers_check_script PROPERTIES LABELS layers TIMEOUT 120)
endfunction()
