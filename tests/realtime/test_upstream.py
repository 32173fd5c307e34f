"""
Where realtime leans on a detail of Channels or Twisted, a test here fails
the day the detail changes, and says what to review.

- ``LiveConsumer.dispatch`` is Channels' ``AsyncConsumer.dispatch`` without
  its per-message ``aclose_old_connections()`` (a thread hop per push: see
  its docstring). If Channels' dispatch does anything more, ours must too.
- ``SocketSessionMiddleware`` relies on Channels' SessionMiddleware passing a
  session already in the scope straight through, and then never touching the
  session while frames go out.
- ``config/reactor.py`` was measured and tested with one Twisted release;
  pyproject.toml pins it, and this checks the environment follows the pin.
"""

import ast
import inspect
import textwrap
from importlib import metadata

import pytest
from channels.consumer import AsyncConsumer
from channels.sessions import SessionMiddleware

from realtime.consumers import LiveConsumer

# AsyncConsumer.dispatch as of Channels 4.2–4.3, which LiveConsumer.dispatch follows.
UPSTREAM_DISPATCH = """
async def dispatch(self, message):
    handler = getattr(self, get_handler_name(message), None)
    if handler:
        await aclose_old_connections()
        await handler(message)
    else:
        raise ValueError("No handler for message type %s" % message["type"])
"""


def _code(source: str) -> str:
    """The function's code without its docstring, in one canonical form."""
    node = ast.parse(textwrap.dedent(source)).body[0]
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        node.body = body[1:]
    return ast.unparse(node)


def test_channels_dispatch_is_still_the_one_live_consumer_follows():
    upstream = _code(inspect.getsource(AsyncConsumer.dispatch))
    assert upstream == _code(UPSTREAM_DISPATCH), (
        "channels.consumer.AsyncConsumer.dispatch changed: review "
        "realtime.consumers.LiveConsumer.dispatch, which copies it without "
        "aclose_old_connections(), then update UPSTREAM_DISPATCH here."
    )


def test_live_consumer_dispatch_is_upstreams_without_the_database_hop():
    ours = _code(inspect.getsource(LiveConsumer.dispatch))
    expected = _code(UPSTREAM_DISPATCH).replace("await aclose_old_connections()\n", "")
    # Ours returns early instead of an else; compare what each does, not its layout.
    assert "aclose_old_connections" not in ours
    assert "await handler(message)" in ours and "await handler(message)" in expected
    assert "raise ValueError" in ours


class CountingSession:
    """A session that counts every look into it."""

    def __init__(self) -> None:
        self.looks = 0

    def __getattr__(self, name):
        self.looks += 1
        raise AttributeError(name)


async def test_channels_session_middleware_leaves_a_session_already_there_alone():
    session = CountingSession()
    seen = []

    async def inner(scope, receive, send):
        for number in range(50):
            await send({"type": "websocket.send", "text": str(number)})
        seen.append(scope["session"])

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "websocket", "session": session, "cookies": {}, "headers": []}
    await SessionMiddleware(inner)(scope, None, send)

    assert seen == [session]
    assert len(sent) == 50
    assert session.looks == 0, (
        "channels.sessions.SessionMiddleware now looks into a session it did not "
        "make on every frame: realtime.middleware.SocketSessionMiddleware no longer "
        "saves that work; review it."
    )


def test_twisted_is_the_release_the_write_through_reactor_was_tested_with():
    requirement = next(
        line for line in metadata.requires("jekafo") if line.lower().startswith("twisted")
    )
    version = metadata.version("twisted")
    from packaging.requirements import Requirement

    assert Requirement(requirement).specifier.contains(version), (
        f"Twisted {version} is installed but pyproject.toml pins {requirement}: "
        "reinstall (make venv), or re-run tests/test_reactor.py and the fan-out "
        "benchmark on the new release before widening the pin."
    )


@pytest.mark.parametrize("name", ["addWriter", "removeWriter"])
def test_the_reactor_interface_config_reactor_uses_is_still_there(name):
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    assert callable(getattr(AsyncioSelectorReactor, name))


# AsyncConsumer.__call__ as of Channels 4.3, which LiveConsumer.__call__ follows with the
# socket's own channel made and read through realtime/health.py (a layer that is down does
# not fail the handshake).
UPSTREAM_CALL = """
async def __call__(self, scope, receive, send):
    self.scope = scope
    self.channel_layer = get_channel_layer(self.channel_layer_alias)
    if self.channel_layer is not None:
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
    if self._sync:
        self.base_send = async_to_sync(send)
    else:
        self.base_send = send
    try:
        if self.channel_layer is not None:
            await await_many_dispatch([receive, self.channel_receive], self.dispatch)
        else:
            await await_many_dispatch([receive], self.dispatch)
    except StopConsumer:
        pass
"""


def test_channels_call_is_still_the_one_live_consumer_follows():
    upstream = _code(inspect.getsource(AsyncConsumer.__call__))
    assert upstream == _code(UPSTREAM_CALL), (
        "channels.consumer.AsyncConsumer.__call__ changed: review "
        "realtime.consumers.LiveConsumer.__call__, which copies it with the socket's "
        "channel made and read through realtime.health, then update UPSTREAM_CALL here."
    )
