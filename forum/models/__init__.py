from .communities import Community, Invitation, JoinRequest, Membership
from .emails import DigestEmail, EmailPreference, NotificationEmail
from .feeds import FeedToken
from .files import PostFile
from .moderation import ModerationAction, Sanction
from .notifications import CommunityFollow, FollowLevel, Notification, ThreadFollow
from .organisations import Organisation
from .reading import ThreadRead
from .reports import Report, ReportCase
from .search import SearchEntry
from .security import ResetLink, UserSession
from .tags import Tag, TaggedOrganisation, TaggedThread
from .threads import Post, PostRevision, Thread, ThreadRedirect
from .users import Region, User

__all__ = [
    "Community",
    "CommunityFollow",
    "FeedToken",
    "DigestEmail",
    "EmailPreference",
    "FollowLevel",
    "Invitation",
    "JoinRequest",
    "Membership",
    "ModerationAction",
    "Notification",
    "NotificationEmail",
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
    "ThreadFollow",
    "ThreadRead",
    "ThreadRedirect",
    "User",
    "UserSession",
]
