"""Money arithmetic of the policy (policy.md §5): integers only, ``//`` on non-negative operands.

* ``allocate_coupon``: the order coupon split pro rata by line gross, floor per line, the
  remainder to the largest line (ties: the first) — §5.1.
* ``slice_of``: the share of ``k`` more units of a line when ``prev`` are already gone, with the
  cumulative floor ``cum(q) = total × q // n`` (and ``cum(n) = total``), so partial refunds add up
  exactly — §5.1; also used for earned points (POINTS-EARNED-REVOKE).
* ``shipping_amounts``: shipping refund, free-shipping clawback and return fee — the table of §5.3.
* ``allocate_to_legs`` and ``channel_for``: which payment leg gets how much, and how (§1.4 REFUND-METHOD).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.policy.models import Channel, FreeReason, PaymentLeg, PaymentMethod, Shipping


def allocate_coupon(amount: int, grosses: Sequence[int]) -> tuple[int, ...]:
    """Each line's share of an order coupon of ``amount`` (§5.1); the shares add up to ``amount``.

    ``amount`` must not exceed ``sum(grosses)`` (INPUT-VALID checks it).
    """
    total = sum(grosses)
    if amount == 0 or total == 0:
        return tuple(0 for _ in grosses)
    shares = [amount * gross // total for gross in grosses]
    biggest = max(range(len(grosses)), key=lambda i: (grosses[i], -i))
    shares[biggest] += amount - sum(shares)
    return tuple(shares)


def cumulative(total: int, units: int, quantity: int) -> int:
    """``cum(q)``: the part of a line's ``total`` that belongs to its first ``units`` units."""
    if units >= quantity:
        return total
    return total * units // quantity


def slice_of(total: int, prev: int, k: int, quantity: int) -> int:
    """The part of ``total`` for units ``prev+1 … prev+k`` of a line of ``quantity`` units."""
    return cumulative(total, prev + k, quantity) - cumulative(total, prev, quantity)


@dataclass(frozen=True, slots=True)
class ShippingAmounts:
    shipping_refund: int
    initial_shipping_clawback: int
    return_shipping_fee: int


def shipping_amounts(*, shipping: Shipping, one_way: int, priced_as_cancel: bool, seller_fault: bool,
                     rem_units: int, rem_gross: int, prior_clawback: int, prior_clawback_retained: int,
                     prior_shipping_refund: int) -> ShippingAmounts:
    """Shipping refund, clawback and return fee of one request (§5.3).

    ``prior_clawback`` (charged) decides whether the waiver was already clawed back;
    ``prior_clawback_retained`` (actually deducted from refunds) is what the seller holds and
    returns through ``collected``. They differ only when an earlier clawback exceeded its refund.
    """
    collected = shipping.fee_charged + prior_clawback_retained - prior_shipping_refund
    waiver_active = shipping.fee_charged == 0 and shipping.free_reason != FreeReason.NONE and prior_clawback == 0
    below_threshold = (shipping.free_reason == FreeReason.THRESHOLD and shipping.free_threshold is not None
                       and rem_gross < shipping.free_threshold)
    if priced_as_cancel:
        if rem_units == 0:
            return ShippingAmounts(collected, 0, 0)
        if not seller_fault and waiver_active and below_threshold:
            return ShippingAmounts(0, shipping.base_fee, 0)
        return ShippingAmounts(0, 0, 0)
    if seller_fault:
        return ShippingAmounts(collected if rem_units == 0 else 0, 0, 0)
    unconditional_all_back = shipping.free_reason == FreeReason.UNCONDITIONAL and rem_units == 0
    clawback = shipping.base_fee if waiver_active and (below_threshold or unconditional_all_back) else 0
    return ShippingAmounts(0, clawback, one_way)


def split_cash_first(value: int, cash_left: int) -> tuple[int, int]:
    """(cash, points) of a refund value: cash first, the rest restores points (POINTS-RESTORE)."""
    cash = min(value, cash_left)
    return cash, value - cash


@dataclass(frozen=True, slots=True)
class LegShare:
    leg: PaymentLeg
    amount: int
    whole_leg: bool  # this request returns the whole leg, nothing of it having been returned before


def allocate_to_legs(legs: Sequence[PaymentLeg], amount: int, already: int) -> list[LegShare]:
    """Spread ``amount`` over ``legs`` in payment order, after ``already`` was taken from them.

    With one leg (the normal case) it all goes to that leg. With several cash legs this is only
    a proposal for the agent (PAYMENT_SPLIT_UNSUPPORTED). ``amount`` never exceeds what the legs
    have left (the caller checks it), so nothing is left over.
    """
    shares: list[LegShare] = []
    consumed = already
    left = amount
    for leg in legs:
        used_before = min(consumed, leg.amount)
        consumed -= used_before
        take = min(left, leg.amount - used_before)
        left -= take
        if take > 0:
            shares.append(LegShare(leg, take, used_before == 0 and take == leg.amount))
    return shares


_CHANNELS = {
    PaymentMethod.CARD: Channel.CARD_CANCEL,
    PaymentMethod.EASY_PAY: Channel.EASY_PAY_CANCEL,
    PaymentMethod.BANK_TRANSFER: Channel.ACCOUNT_REFUND,
    PaymentMethod.VIRTUAL_ACCOUNT: Channel.ACCOUNT_REFUND,
    PaymentMethod.POINTS: Channel.POINTS_RESTORE,
}

# Expected appearance for the customer, in business days (informational, §1.5).
ETA_BUSINESS_DAYS = {
    Channel.CARD_CANCEL: (3, 7), Channel.EASY_PAY_CANCEL: (3, 7), Channel.MOBILE_CANCEL: (3, 7),
    Channel.ACCOUNT_REFUND: (1, 3), Channel.POINTS_RESTORE: (0, 0),
}


def channel_for(share: LegShare, *, same_month_as_payment: bool) -> Channel:
    """Back to the original means; a mobile payment is cancelled only whole and in its month."""
    if share.leg.method == PaymentMethod.MOBILE:
        if share.whole_leg and same_month_as_payment:
            return Channel.MOBILE_CANCEL
        return Channel.ACCOUNT_REFUND
    return _CHANNELS[PaymentMethod(share.leg.method)]


def delay_interest(value: int, percent_per_year: int, days_late: int) -> int:
    """Delay damages (§4.7): ``floor(value × percent × days / (100 × 365))``."""
    return value * percent_per_year * days_late // (100 * 365)
