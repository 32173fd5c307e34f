from .communities import Community, Invitation, JoinRequest, Membership
from .files import PostFile
from .moderation import ModerationAction, Sanction
from .notifications import CommunityFollow, Notification
from .organisations import Organisation
from .reports import Report, ReportCase
from .search import SearchEntry
from .security import ResetLink, UserSession
from .tags import Tag, TaggedOrganisation, TaggedThread
from .threads import Post, PostRevision, Thread, ThreadRedirect
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
    "PostFile",
    "PostRevision",
    "Region",
    "Report",
    "ReportCase",
    "Sanction",
    "SearchEntry",
    "ResetLink",
    "Tag",
    "TaggedOrganisation",
    "TaggedThread",
    "Thread",
    "ThreadRedirect",
    "User",
    "UserSession",
]
