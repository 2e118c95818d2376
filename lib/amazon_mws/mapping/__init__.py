"""Other output shapes for Amazon orders, as pure functions (no network, inputs never modified).

- `spree.to_spree_order(order, items)`: the Spree hub's `order:import` order (and `from_trigger_order` for
  an order the trigger emitted with its `orderItems`).
"""
