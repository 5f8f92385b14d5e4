# market: order book (core + host), call auctions, single-item auctions,
# community market, risk. See docs/market.md.
list(APPEND JOULE_CORE_HEADERS include/joule/market/instrument.hpp include/joule/market/book_core.hpp)
target_sources(joule_core PRIVATE src/market/core/book_core.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE
    src/market/order_book.cpp src/market/workload.cpp src/market/call_auction.cpp src/market/block_auction.cpp
    src/market/single_item.cpp src/market/community.cpp src/market/risk.cpp
    bindings/c/src/c_api_market.cpp)
endif()
set(JOULE_TEST_SOURCES_market ${PROJECT_SOURCE_DIR}/tests/market/test_book.cpp ${PROJECT_SOURCE_DIR}/tests/market/test_workload.cpp
  ${PROJECT_SOURCE_DIR}/tests/market/test_call_auction.cpp ${PROJECT_SOURCE_DIR}/tests/market/test_settle.cpp ${PROJECT_SOURCE_DIR}/tests/market/test_blocks.cpp
  ${PROJECT_SOURCE_DIR}/tests/market/core/test_book_core.cpp)
list(APPEND JOULE_CORE_TEST_SOURCES ${PROJECT_SOURCE_DIR}/tests/market/core/test_book_core.cpp)
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${PROJECT_SOURCE_DIR}/tests/firmware/fw_market.cpp)
