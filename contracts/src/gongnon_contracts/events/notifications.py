from gongnon_contracts.envelope import EventData
from gongnon_contracts.registry import register
from gongnon_contracts.topics import Topic


@register
class NotificationCreated(EventData):
    TYPE = "notification.created"
    TOPIC = Topic.NOTIFICATIONS.value
    PUBLIC = False
    SUMMARY = "A notification was put in an account's inbox"
    notification_id: str
    account_id: str
    item_id: str
    kind: str

    def subject(self) -> str:
        return self.item_id
