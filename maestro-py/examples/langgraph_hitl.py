"""A LangGraph graph that stops for a human, checkpointed in a Maestro store.

The graph drafts a reply, asks a human whether to send it (`interrupt`), then sends it
or holds it. Each command is a separate process: the state lives in the store, so a
thread started here can be resumed anywhere that opens the same file (or PostgreSQL URL).

    python langgraph_hitl.py state.db start ticket-1 "Where is my order?"
    python langgraph_hitl.py state.db resume ticket-1 yes     # finishes the run
    python langgraph_hitl.py state.db history ticket-1        # every checkpoint, newest first
    python langgraph_hitl.py state.db fork ticket-1 ticket-2  # ticket-2 branches off before the review
    python langgraph_hitl.py state.db resume ticket-2 no

Every command prints JSON. Needs `pip install "maestro-py[langgraph]"`.
"""

import json
import operator
import sys
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from maestro.langgraph import MaestroSaver


class State(TypedDict, total=False):
    request: str
    draft: str
    answer: str
    outcome: str
    log: Annotated[list, operator.add]  # each node appends its name


def draft(state: State) -> State:
    return {"draft": f"Re: {state['request']} - it ships tomorrow.", "log": ["draft"]}


def review(state: State) -> State:
    # Stops the run here; `Command(resume=answer)` restarts this node with `answer`.
    answer = interrupt({"question": "Send this reply?", "draft": state["draft"]})
    return {"answer": answer, "log": ["review"]}


def send(state: State) -> State:
    outcome = "sent" if state["answer"] == "yes" else f"held ({state['answer']})"
    return {"outcome": outcome, "log": ["send"]}


def build_graph(checkpointer):
    """draft -> review (asks the human) -> send."""
    builder = StateGraph(State)
    builder.add_node("draft", draft)
    builder.add_node("review", review)
    builder.add_node("send", send)
    builder.add_edge(START, "draft")
    builder.add_edge("draft", "review")
    builder.add_edge("review", "send")
    builder.add_edge("send", END)
    return builder.compile(checkpointer=checkpointer)


def thread(thread_id):
    return {"configurable": {"thread_id": thread_id}}


def show(result):
    """The run's result: the question it waits on, or the final state."""
    if "__interrupt__" in result:
        return {"interrupt": result["__interrupt__"][0].value}
    return {"state": result}


def main(db, command, thread_id, *args):
    with MaestroSaver.from_path(db, project="langgraph-hitl") as saver:
        graph = build_graph(saver)

        if command == "start":  # run until the graph asks the human
            request = args[0] if args else "Where is my order?"
            out = show(graph.invoke({"request": request}, thread(thread_id)))

        elif command == "resume":  # answer the question, possibly in another process
            out = show(graph.invoke(Command(resume=args[0]), thread(thread_id)))

        elif command == "history":  # one line per checkpoint, newest first
            for snap in graph.get_state_history(thread(thread_id)):
                parent = snap.parent_config["configurable"]["checkpoint_id"] if snap.parent_config else None
                print(json.dumps({
                    "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                    "parent_id": parent,
                    "step": snap.metadata["step"],
                    "source": snap.metadata["source"],
                    "next": list(snap.next),
                    "values": snap.values,
                }))
            return

        elif command == "fork":  # a new thread that branches off before the review
            new_thread = args[0]
            before_review = next(
                s for s in graph.get_state_history(thread(thread_id)) if s.next == ("review",)
            )
            saver.copy_thread(thread_id, new_thread)  # same checkpoint ids; the original stays as it is
            past = {"configurable": {"thread_id": new_thread, "checkpoint_ns": "",
                                     "checkpoint_id": before_review.config["configurable"]["checkpoint_id"]}}
            # A new checkpoint whose parent is the past one, with a revised draft ...
            branch = graph.update_state(past, {"draft": before_review.values["draft"] + " (revised)"}, as_node="draft")
            # ... from which the graph runs again, up to the review.
            out = show(graph.invoke(None, branch))
            out["forked_from"] = past["configurable"]["checkpoint_id"]
            out["checkpoint_id"] = branch["configurable"]["checkpoint_id"]

        else:
            sys.exit(f"unknown command {command!r}: start, resume, history or fork")

        print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
