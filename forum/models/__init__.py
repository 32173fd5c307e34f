from .chat import Message, Room, RoomConnection, RoomEvent, RoomMute
from .communities import Community, Invitation, JoinRequest, Membership
from .moderation import ModerationAction
from .notifications import CommunityFollow, Notification
from .organisations import Organisation
from .tags import Tag, TaggedOrganisation, TaggedThread
from .threads import Post, PostRevision, Thread
from .users import Region, User

__all__ = [
    "Community",
    "CommunityFollow",
    "Invitation",
    "JoinRequest",
    "Membership",
    "Message",
    "ModerationAction",
    "Notification",
    "Organisation",
    "Post",
    "PostRevision",
    "Region",
    "Room",
    "RoomConnection",
    "RoomEvent",
    "RoomMute",
    "Tag",
    "TaggedOrganisation",
    "TaggedThread",
    "Thread",
    "User",
]
