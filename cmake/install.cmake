# cmake --install: the CLI, liblatent.so with the facade's headers, a CMake package (latent::latent)
# and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS latent_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS latent_shared EXPORT latentTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/latent/latent.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/latent)
install(FILES ${CMAKE_SOURCE_DIR}/include/latent/base/error.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/latent/base)

set(LATENT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/latent)
install(EXPORT latentTargets NAMESPACE latent:: DESTINATION ${LATENT_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/latentConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/latentConfig.cmake INSTALL_DESTINATION ${LATENT_CMAKE_DIR})
# 0.x: a minor release may change the facade, so only the same MAJOR.MINOR satisfies a request.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/latentConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/latentConfig.cmake ${CMAKE_BINARY_DIR}/latentConfigVersion.cmake
        DESTINATION ${LATENT_CMAKE_DIR})

configure_file(${CMAKE_SOURCE_DIR}/cmake/latent.pc.in ${CMAKE_BINARY_DIR}/latent.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/latent.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
