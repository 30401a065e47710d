"""Plain data of the rebate ledger, shared by the engine, the statement and the sales-order
preview (no Odoo imports)."""

# Entry types that make up what the ledger has accrued for a period (not settlements or
# manual adjustments, which come on top).
ACCRUAL_TYPES = ("accrual", "true_up", "reversal")


class PeriodState:
    """What the ledger holds (or should hold) for one agreement period: volume, untaxed
    sales amount and quantity, and the rebate amount."""

    __slots__ = ("amount", "sales_amount", "sales_quantity", "volume")

    def __init__(self, volume=0.0, sales_amount=0.0, sales_quantity=0.0, amount=0.0):
        self.volume = volume
        self.sales_amount = sales_amount
        self.sales_quantity = sales_quantity
        self.amount = amount

    def __repr__(self):
        return (
            f"PeriodState(volume={self.volume!r}, sales_amount={self.sales_amount!r}, "
            f"sales_quantity={self.sales_quantity!r}, amount={self.amount!r})"
        )
