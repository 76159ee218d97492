"""The vocabulary of the advice scorer: which words instruct, which open or end a clause.

Plain word sets, shared by the windows (where advice can start and stop) and the rules that
score it; written as strings of words so a curator can read and extend them.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """A set of words, written as one string."""
    return frozenset(text.split())


# Verbs that open an instruction to the listener ("Start with the problem").
IMPERATIVES = word_set(
    "accept aim apply ask automate avoid be begin bother break build buy challenge check "
    "choose collaborate collect commit compare concentrate consider contribute copy "
    "create debug decide dedicate define dig dive do don't dont download draw embrace "
    "enjoy expect experiment explain explore fail find finish focus follow forget get "
    "give go grab have hesitate ignore imagine introduce invest iterate join jump keep "
    "know learn leave let's listen look make measure never obsess overthink pay pick plan "
    "practice practise prepare prioritise prioritize publish put quit reach read realise "
    "realize relax "
    "remember remove reproduce reuse revisit run rush say schedule search seek set share "
    "ship simplify sketch skip solve speak spend start stay stick stop study take talk "
    "teach think translate treat trust try underestimate understand use verify visualise "
    "visualize volunteer wait waste watch worry write"
)
# Verbs that open an instruction in captions, where "no never", "don't know" and "so have
# you" are common and mean something else.
CAPTION_VERBS = IMPERATIVES - {"never", "don't", "dont", "let's", "have", "know", "do"}
ADVERBS = word_set(
    "really just still even actually usually also often probably simply literally "
    "definitely always certainly obviously"
)
# Words that give a clause its own subject: what follows is a statement, not an instruction.
SUBJECTS = word_set(
    "i you we they he she it its it's there's that's this you're youre i'm im people"
)
# Words before a verb that make it something other than an instruction ("to go", "you go").
NOT_BEFORE_AN_INSTRUCTION = word_set(
    "to you i we they he she it people can will would could should don't dont do did not "
    "doesn't doesnt didn't didnt can't cant won't wont isn't isnt gonna wanna and or that "
    "who which i'm im you're youre"
)
