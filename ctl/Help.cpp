#include "ctl/Help.h"

#include <map>

namespace sup::ctl {

std::string generalHelp() {
    return R"(Usage: supctl [OPTIONS] COMMAND [ARGS...]

Control supervisord over D-Bus.

Commands:
  status [PATTERN...]        Show processes (exit 3 if one is not RUNNING, 4 if a pattern matches nothing)
  is-active PATTERN...       Print active/inactive/... per process; exit 0 if every one is active
  is-failed PATTERN...       Print the same; exit 0 if any one is failed (FATAL)
  show [NAME]                Show every property of a process (or of the daemon) as KEY=VALUE
  cat NAME                   Print the definition a process runs with (defaults filled in) and its file:line
  list-dependencies [--reverse] NAME
                             Show what a process requires, wants and comes after (or what needs it), as a tree
  start PATTERN...           Start processes and wait until they are RUNNING
  stop PATTERN...            Stop processes and wait until they have stopped
  restart PATTERN...         Restart processes and wait until they are RUNNING again
  signal SIGNAL PATTERN...   Send a signal (HUP, SIGUSR1, 9, ...) to processes
  reload                     Re-read the configuration and apply what changed
  shutdown                   Stop every process and exit supervisord
  tail [-f] [-n N] [--stderr] NAME
                             Print (and follow) the output of a process
  pid [NAME]                 Print the PID of a process (or of supervisord)
  limits                     Show how close each process limit is to refusing fork()
  doctor [NAME...]           Check running processes for common problems
  version                    Show the versions of supctl and supervisord
  help [COMMAND]             Show help for a command

PATTERN is a shell glob over instance and group names ('web', 'web@*', 'all').

Options:
      --user                 Talk to the supervisord of the session bus
      --system               Talk to the supervisord of the system bus (default)
  -H, --host=[USER@]HOST     Talk to the system bus of HOST over ssh (not with --user)
      --json                 Machine-readable output
      --no-block             Do not wait for start/stop/restart/shutdown to finish
      --timeout=SECS         How long to wait for them (default 30; 0 or infinity: no limit)
  -h, --help                 Show this help (or a command's, after the command)
      --version              Show supctl's version

Exit status: 0 ok, 1 failure, 2 usage error, 3 not running, 4 no such process
(and for status: supervisord cannot be reached, LSB's "status unknown").
Colours are used only on a terminal and never when NO_COLOR is set.
)";
}

std::string commandHelp(const std::string& command) {
    static const std::map<std::string, std::string> texts = {
        {"status", R"(Usage: supctl status [--json] [PATTERN...]

Show name, state, PID, time in that state, restarts, last exit and the reason of
every process matching PATTERN (all when none is given).
IN-STATE is how long the process has been in its state: its uptime when RUNNING, otherwise the time
since the last change (how long it has been FATAL, BACKOFF, ...). LAST-EXIT says "exec: ..." when the
child never ran its program.
--json prints an array of objects with the keys name, group, state, pid, restarts, exit_status,
last_exit, spawn_error, reason, started_at, state_since, next_start, cpu_usec, max_rss_kib, command
(the argument list, an array of strings), source_file, source_line, priority, requires, wants,
after, required_by (arrays of names), ready_state, notify_status (times in CLOCK_REALTIME
microseconds, 0 = never).
Exit status: 0 when every listed process is RUNNING, 3 when one is not, 4 when a pattern matches nothing
or supervisord cannot be reached (LSB: status unknown).
)"},
        {"is-active", R"(Usage: supctl is-active [-q] PATTERN...

Print the state of every process matching PATTERN in systemd's words, one per line, and exit 0 when
every one is active (and every PATTERN matched), 3 when one is not, 4 when a PATTERN matches nothing
(it prints "inactive") or supervisord cannot be reached.
  RUNNING, STARTING -> active      BACKOFF -> activating     STOPPING -> deactivating
  STOPPED, EXITED   -> inactive    FATAL   -> failed
  -q, --quiet   Print nothing; only the exit status
)"},
        {"is-failed", R"(Usage: supctl is-failed [-q] PATTERN...

Print the state of every process matching PATTERN as is-active does, and exit 0 when any one is
failed (FATAL), 1 when none is, 4 when a PATTERN matches nothing or supervisord cannot be reached.
  -q, --quiet   Print nothing; only the exit status
)"},
        {"show", R"(Usage: supctl show [--json] [-p KEY[,KEY...]] [--value] [NAME]

Print every property of process NAME as KEY=VALUE (like systemctl show); without NAME, the daemon's.
A group NAME ('web' for web@0 and web@1) shows each instance, separated by an empty line (--json: an
array of objects).
  -p, --property=KEY   Only these properties, in the order given (repeatable, comma-separated)
      --value          Print only the values
--json prints {KEY: value} with the same keys, typed: numbers, true/false, arrays of strings
(ExecStart, Environment), durations (...USec) in microseconds.

Properties of a process (see supctl(1) for each):
  state:      Name Service State Pid Restarts ExitStatus LastExit SpawnError Reason StartedAt
              StartedAtUSec StateSince StateSinceUSec NextStart NextStartUSec CpuUsec MaxRssKiB
  definition: ExecStart Command WorkingDirectory User Group UMask Environment EnvironmentFile
              NumProcs Autostart Restart SuccessExitStatus StartSecUSec StartRetries
              BackoffInitialUSec BackoffMaxUSec BackoffResetUSec StopSignal StopTimeoutUSec
              KillGroup Priority StandardOutput StandardOutputMaxSize StandardOutputBackups
              StandardError StandardErrorMaxSize StandardErrorBackups Timestamps SourceFile
              SourceLine Object
  dependencies and readiness: Requires Wants After RequiredBy ReadyState NotifyStatus
Of the daemon: Version State ConfigPath ForkPressure ProcessCount StateCounts
)"},
        {"cat", R"(Usage: supctl cat NAME

Print the definition process NAME runs with, as YAML: the file:line it was loaded from, then every
setting with its default filled in (like systemctl cat, but the effective values rather than the
file's text; log paths resolved for this instance). A group NAME prints each instance.
)"},
        {"list-dependencies", R"(Usage: supctl list-dependencies [--json] [--reverse] NAME

Print what process NAME requires, wants and comes after, and what those depend on in turn, as a tree
with the state of each (like systemctl list-dependencies). A service NAME with several instances
shows each instance. Each process appears once per branch.
      --reverse   What depends on NAME instead: what requires, wants or comes after it
Box-drawing characters are used when the locale is UTF-8 (LC_ALL, LC_CTYPE or LANG), ASCII otherwise.
--json prints the tree as nested objects {name, state, ready_state, relation, cycle, children};
relation is the key (requires, wants, after) of the dependent that makes the edge.
Exit status 4 when NAME is no process or service.
)"},
        {"start", R"(Usage: supctl start [--no-block] [--timeout=SECS] PATTERN...

Start the matching processes and wait until each is RUNNING. If one ends in BACKOFF, EXITED or
FATAL instead, print why (and the spawn error) and exit 1.
)"},
        {"stop", R"(Usage: supctl stop [--no-block] [--timeout=SECS] PATTERN...

Stop the matching processes and wait until each is STOPPED (or EXITED/FATAL). What requires one of
them (its `requires`, transitively) and is up is stopped first; supctl names it on stderr
("Stopping api, web (they require db).") and waits for it too.
)"},
        {"restart", R"(Usage: supctl restart [--no-block] [--timeout=SECS] PATTERN...

Stop (if running) and start the matching processes, and wait until each is RUNNING with a new PID.
)"},
        {"signal", R"(Usage: supctl signal SIGNAL PATTERN...
       supctl signal -SIGNAL PATTERN...
       supctl signal -s SIGNAL PATTERN...

Send SIGNAL to the running processes matching PATTERN. SIGNAL is a name with or without SIG, in any
case, or a number: KILL, SIGKILL, 9; and as kill(1) takes it, -9, -KILL, -SIGKILL.
)"},
        {"reload", R"(Usage: supctl reload [--json]

Re-read the configuration and apply only what changed; print the added, removed and changed processes.
A configuration that does not validate changes nothing: the error (file:line:column) is printed, exit 1.
)"},
        {"shutdown", R"(Usage: supctl shutdown [--no-block] [--timeout=SECS]

Stop every process and exit supervisord; waits until it has left the bus unless --no-block.
)"},
        {"tail", R"(Usage: supctl tail [-f] [-n N|all] [--stderr] NAME

Print the last N lines (default 10) of the output of process NAME. NAME is one instance: a group
name is refused (exit 2) with the list of its instances.
  -f, --follow      Keep printing new output until interrupted (Ctrl-C)
  -n, --lines=N     How many lines; 'all' for everything supervisord keeps
      --stderr      The standard error stream instead of standard output
)"},
        {"pid", R"(Usage: supctl pid [NAME]

Print the PID of process NAME (0 and exit 3 when it is not running), or of supervisord itself.
A group NAME ('web' for web@0 and web@1) prints the PID of each instance, one per line, in order.
)"},
        {"limits", R"(Usage: supctl limits [--json]

Show every limit that can make fork() fail (RLIMIT_NPROC, pids cgroup, threads-max, pid_max,
RLIMIT_NOFILE) with used/limit and percentage, the top consumers, and which one binds.
Lines at or over the warning threshold are marked with '!', the binding one with '<'.
)"},
        {"doctor", R"(Usage: supctl doctor [--json] [NAME...]

Check running processes (all when no NAME is given) for what commonly breaks them: non-blocking
stdio, inherited descriptors, an exhausted process budget, unreaped zombies. Each finding comes with a
suggested fix. Exit status 0 when nothing is wrong, 1 when something is, 3 when a NAME has no
process to check.
--json prints one object in every case: {checked, not_running, findings: [{name, severity, what,
fix}], error}; error is "" unless supervisord could not be asked (the exit status says how).
)"},
        {"version", R"(Usage: supctl version [--json]

Print the versions of supctl and of the running supervisord.
)"},
        {"help", R"(Usage: supctl help [COMMAND]
)"},
    };
    auto it = texts.find(command);
    return it == texts.end() ? std::string() : it->second;
}

}  // namespace sup::ctl
