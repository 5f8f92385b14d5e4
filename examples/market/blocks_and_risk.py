"""joule.market from Python: linked block orders over two hours, a bid curve, and schedule risk."""
import pandas as pd

import joule.market as jm

orders = pd.DataFrame({"period": [0, 0, 1, 1], "id": ["d0", "g0", "d1", "g1"],
                       "side": ["buy", "sell", "buy", "sell"], "qty": [10, 20, 10, 20], "price": [60, 55, 30, 25]})
blocks = pd.DataFrame({"id": ["blk", "blk_extra"], "side": ["sell", "sell"], "price": [35, 30],
                       "qty": [[10, 10], [5, 0]], "parent": [None, "blk"]})
res = jm.clear_multi_period(orders, blocks)
print(res.periods.to_string())
print(res.blocks[["id", "ratio", "lots", "surplus", "paradoxically_rejected"]].to_string(index=False))
print(f"block blk accepted ratio {res.blocks['ratio'].iloc[0]:.1f}")

curve = jm.orders_from_curve("pv", "sell", [(10, 0), (20, 100)], linear=True)
print(f"linear curve: {len(curve)} steps, {curve['qty'].sum()} lots")

w = jm.quantile_path_weights([0.1, 0.5, 0.9])
paths = pd.DataFrame([[50, 40], [80, 20], [30, 60]], columns=["h0", "h1"])
print("schedule risk", jm.schedule_risk([1.0, -1.0], paths, confidence=0.9, weights=w))
