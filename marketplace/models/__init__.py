"""Persistence only: every model, imported so that metadata and migrations see them all."""

from marketplace.models.assistance import AssistanceGrant
from marketplace.models.audit import AuditEntry
from marketplace.models.bank import BankTransaction, ShopBankAccount
from marketplace.models.base import db
from marketplace.models.cart import CartItem
from marketplace.models.livestream import (
    Livestream,
    LivestreamClaim,
    LivestreamEvent,
    LivestreamProduct,
)
from marketplace.models.media import Media
from marketplace.models.notification import Notification, NotificationDelivery, ShopFollow
from marketplace.models.ocop import (
    Collection,
    CollectionItem,
    OcopApplication,
    OcopCertificate,
    ocop_evidence,
)
from marketplace.models.order import Checkout, IdempotencyKey, Order, OrderEvent, OrderLine
from marketplace.models.payment import PaymentTransaction, ProcessedEvent
from marketplace.models.product import Category, Product, ProductImage, ProductVariant
from marketplace.models.rate_limit import RateLimitCounter
from marketplace.models.report import SalesDaily, SalesDailyChange, SalesLine
from marketplace.models.shop import Shop
from marketplace.models.user import ApiToken, PasswordReset, Role, User

__all__ = [
    "ApiToken",
    "AssistanceGrant",
    "AuditEntry",
    "BankTransaction",
    "CartItem",
    "Category",
    "Checkout",
    "Collection",
    "CollectionItem",
    "IdempotencyKey",
    "Livestream",
    "LivestreamClaim",
    "LivestreamEvent",
    "LivestreamProduct",
    "Media",
    "Notification",
    "NotificationDelivery",
    "OcopApplication",
    "OcopCertificate",
    "Order",
    "OrderEvent",
    "OrderLine",
    "PasswordReset",
    "PaymentTransaction",
    "ProcessedEvent",
    "Product",
    "ProductImage",
    "ProductVariant",
    "RateLimitCounter",
    "Role",
    "SalesDaily",
    "SalesDailyChange",
    "SalesLine",
    "Shop",
    "ShopBankAccount",
    "ShopFollow",
    "User",
    "db",
    "ocop_evidence",
]
