# `import latent`: the pybind11 module over the facade, for Debian's /usr/bin/python3.
# cmake --install puts it under PREFIX/lib/python3/dist-packages (Debian's layout).
set(PYBIND11_FINDPYTHON ON)
set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the module is built for")
find_package(pybind11 CONFIG REQUIRED)
pybind11_add_module(latent_python NO_EXTRAS ${CMAKE_SOURCE_DIR}/python/latent_module.cpp)
set_target_properties(latent_python PROPERTIES OUTPUT_NAME latent LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/python
                                               INSTALL_RPATH "$ORIGIN/../../")
target_link_libraries(latent_python PRIVATE latent_shared)
install(TARGETS latent_python LIBRARY DESTINATION lib/python3/dist-packages)
# latent_torch: models from `latent export --format torch` as torch.nn.Module objects.
install(FILES ${CMAKE_SOURCE_DIR}/python/latent_torch.py DESTINATION lib/python3/dist-packages)
