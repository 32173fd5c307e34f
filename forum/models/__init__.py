from .communities import Community, Invitation, JoinRequest, Membership
from .moderation import ModerationAction
from .notifications import CommunityFollow, Notification
from .organisations import Organisation
from .security import ResetLink, UserSession
from .tags import Tag, TaggedOrganisation, TaggedThread
from .threads import Post, PostRevision, Thread
from .users import Region, User

__all__ = [
    "Community",
    "CommunityFollow",
    "Invitation",
    "JoinRequest",
    "Membership",
    "ModerationAction",
    "Notification",
    "Organisation",
    "Post",
    "PostRevision",
    "Region",
    "ResetLink",
    "Tag",
    "TaggedOrganisation",
    "TaggedThread",
    "Thread",
    "User",
    "UserSession",
]
