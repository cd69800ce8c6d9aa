"""The fixed vocabulary of roles, priorities, statuses and ticket types (stored as strings), and
the desk's time zone."""
from enum import StrEnum
from zoneinfo import ZoneInfo

# Times are stored in UTC and shown, counted in business days and dated in Korea's time.
SEOUL = ZoneInfo("Asia/Seoul")


class Role(StrEnum):
    CUSTOMER = "customer"
    SELLER = "seller"
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"
    INTEGRATION = "integration"


STAFF_ROLES = frozenset({Role.AGENT, Role.LEAD, Role.ADMIN})
REQUESTER_ROLES = frozenset({Role.CUSTOMER, Role.SELLER})
# Everyone who signs in: every role but the shop's integration.
HUMAN_ROLES = REQUESTER_ROLES | STAFF_ROLES
# Leads and admins see every ticket; agents only those of their queues.
ALL_TICKETS_ROLES = frozenset({Role.LEAD, Role.ADMIN})
# The accounts an admin manages on the staff page (customers sign up; integrations come from the CLI).
MANAGED_ROLES = (Role.AGENT, Role.LEAD, Role.ADMIN, Role.SELLER)
# The code of the default seller-center category (판매자센터): a category that shares the role's name.
SELLER_CENTER = "seller"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketType(StrEnum):
    INQUIRY = "inquiry"
    CANCELLATION = "cancellation"
    REFUND = "refund"


class Membership(StrEnum):
    BASIC = "basic"
    PLUS = "plus"
