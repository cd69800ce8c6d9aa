"""SQLAlchemy models, one module per aggregate. Importing this registers them all."""
from app.models.attachment import Attachment
from app.models.audit import AuditEvent
from app.models.calendar import CalendarDay, WorkCalendar
from app.models.canned_answer import CannedAnswer, CannedAnswerUse
from app.models.category import Category
from app.models.message import Message
from app.models.notification import Notification
from app.models.order import Order
from app.models.outbox import OutboxEvent, SentEmail
from app.models.refund import Claim, OrderStatusChange, Refund
from app.models.satisfaction import SatisfactionRating
from app.models.search_document import SearchDocument
from app.models.sla_policy import SlaEvent, SlaPolicy, SlaTarget
from app.models.sla_rollup import SlaDailyFigures, SlaRollupDay
from app.models.support_queue import SupportQueue, queue_members
from app.models.ticket import Ticket, TicketNumberCounter
from app.models.user import ApiToken, User, UserSession
from app.models.workspace import SavedView, Tag, TicketPresence, ticket_tags

__all__ = [
    "ApiToken", "Attachment", "AuditEvent", "CalendarDay", "CannedAnswer", "CannedAnswerUse", "Category",
    "Claim", "Message", "Notification", "Order", "OrderStatusChange", "OutboxEvent", "Refund",
    "SatisfactionRating", "SavedView", "SearchDocument", "SentEmail", "SlaDailyFigures", "SlaEvent", "SlaPolicy",
    "SlaRollupDay", "SlaTarget",
    "SupportQueue", "Tag", "Ticket", "TicketNumberCounter", "TicketPresence", "User", "UserSession",
    "WorkCalendar", "queue_members", "ticket_tags",
]
