"""Speech output: markdown -> speakable sentences -> synthesis (cached) -> a player queue.

Modules: speakable (markdown -> words), sentences (splitting, the per-request byte limit,
feeding a streaming reply), cache, synthesis (engine + cache), decode, player (the Player
protocol, the queue, open_player) with player_miniaudio / player_simpleaudio / recording,
alsa_quiet, speaker (the reading pipeline with stop). Nothing heavy is imported here.
"""
