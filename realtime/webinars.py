"""
The live room of a webinar session: /ws/webinars/<session_id>/?after=<seq>.

The room protocol of rooms.RoomConsumer, reached by the session's id. What a
webinar room adds (questions, polls, hands; the session and the reader's
votes in ``hello``) comes from the webinar room kind and its rows of the
room-action table, registered by the webinars app: nothing of it is here.
"""

from rooms.models import Room
from webinars import selectors

from .consumers import RoomConsumer, _route_id


class WebinarRoomConsumer(RoomConsumer):
    def find_room(self) -> Room:
        session = selectors.access_session(self.user, _route_id(self.scope, "session_id"))
        room = session.room
        room.community = session.community
        return room
