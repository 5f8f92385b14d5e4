"""A tour of joule.market from Python: a call auction over a DataFrame, an order book with events."""
import pandas as pd

import joule.market as jm

orders = pd.DataFrame({"id": ["b1", "b2", "s1", "m1"], "side": ["buy", "buy", "sell", "sell"],
                       "qty": [6, 4, 5, 3], "price": [50, 50, 40, None]})
res = jm.clear(orders, price_min=-500, price_max=4000)
print(f"clearing price {res.price}, volume {res.volume}, rationed {res.rationed_side}")
print(res.orders[["id", "side", "qty", "fill"]].to_string(index=False))

book = jm.OrderBook(-1000, 1000)
book.submit(1, "sell", -20, 10)
book.submit(2, "buy", -10, 4, "ioc")
print(book.events_frame()[["kind", "id", "other_id", "price", "qty"]].to_string(index=False))
print("best ask", book.best_ask())
