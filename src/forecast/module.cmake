# forecast: probabilistic load, PV and price forecasting (host only).
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE
    src/forecast/stl.cpp src/forecast/numeric.cpp src/forecast/models.cpp src/forecast/anomaly.cpp
    src/forecast/backtest.cpp src/forecast/prep.cpp src/forecast/price.cpp
    bindings/c/src/c_api_forecast.cpp)
endif()
# Absolute: tests/CMakeLists.txt adds these from its own directory.
set(JOULE_TEST_SOURCES_forecast ${PROJECT_SOURCE_DIR}/tests/forecast/test_models.cpp
                                 ${PROJECT_SOURCE_DIR}/tests/forecast/test_ets.cpp)
