# bash completion for dialup and dialup-sim (installed as
# share/bash-completion/completions/dialup, with dialup-sim a link to it).
#
# Completes the commands, their options, serial port paths after --port (and tty paths
# for dialup-sim's --link), files after options that take one, and phone-book entry names
# after --entry (from --phonebook FILE on the line, else the default phone book).

_dialup_ports() {
  local p ports=()
  for p in /dev/serial/by-id/* /dev/ttyUSB* /dev/ttyACM* /dev/ttyS* /dev/rfcomm* /dev/pts/[0-9]* /tmp/modem*; do
    [[ -e $p ]] && ports+=("$p")
  done
  COMPREPLY=($(compgen -W "${ports[*]} rfc2217://" -- "$cur"))
}

_dialup_entries() {
  local file="" i
  for ((i = 1; i < cword; i++)); do
    [[ ${words[i]} == --phonebook ]] && file=${words[i + 1]}
  done
  if [[ -z $file ]]; then
    file=${XDG_CONFIG_HOME:-$HOME/.config}/dialup/rasphone.pbk
  fi
  file=${file/#\~/$HOME}
  [[ -r $file ]] || return
  local IFS=$'\n'
  # Entry names are the [section] headers that do not start with '.'.
  COMPREPLY=($(compgen -W "$(sed -n 's/^\[\([^].][^]]*\)\]\r\{0,1\}$/\1/p' "$file" 2>/dev/null)" -- "$cur"))
  COMPREPLY=("${COMPREPLY[@]// /\\ }")
}

# Profile names, from the program itself (dialup profiles list).
_dialup_profiles() {
  COMPREPLY=($(compgen -W "$("${words[0]}" profiles list 2>/dev/null | awk '{ print $1 }')" -- "$cur"))
}

_dialup() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  fi

  local commands="dial phonebook ports profiles probe status"
  local global="--config --version --help"
  local cmd="" sub="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --config) ((i++)) ;;
      -*) ;;
      *)
        if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi
        ;;
    esac
  done

  case $prev in
    --port) _dialup_ports; return ;;
    --config | --phonebook | --script | --dial-script | --callback-script)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --entry) _dialup_entries; return ;;
    --profile) _dialup_profiles; return ;;
    --write-profile) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --init) return ;;
    --phone | --hold | --send | --time-scale | --baud | --s7 | --user | --callback | --redial | --redial-pause | --apn)
      return ;;
  esac

  case $cmd in
    "")
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$global" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
      fi
      ;;
    dial)
      COMPREPLY=($(compgen -W "--sim --port --phone --hold --send --time-scale --baud --s7 -v --verbose
        --phonebook --entry --user --password-stdin --script --dial-script --callback --callback-script
        --reconnect --no-reconnect --redial --redial-pause --terminal --ask --json --profile --init
        --cellular --apn --pin-stdin
        --config --help" -- "$cur"))
      ;;
    phonebook)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "list show set remove rename import-wvdial --help" -- "$cur"))
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$([[ $sub == set ]] && echo --create) --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
      fi
      ;;
    ports)
      COMPREPLY=($(compgen -W "--all --json --help" -- "$cur"))
      ;;
    profiles)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "list show check import-inf --help" -- "$cur"))
      elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$([[ $sub == list ]] && echo --json) $([[ $sub == import-inf ]] && echo --output) --help" -- "$cur"))
      elif [[ $sub == show ]]; then
        _dialup_profiles
      else
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
      fi
      ;;
    probe | status)
      # Their options (--write-profile, --profile, ...) come from the program itself
      # (dialup CMD --help).
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("${words[0]}" "$cmd" --help 2>/dev/null |
          grep -o -- '--[a-z][a-z0-9-]*' | sort -u) --help" -- "$cur"))
      elif [[ $cmd == probe ]]; then
        _dialup_ports
      fi
      ;;
  esac
}

_dialup_sim() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  case $prev in
    --personality | -p) COMPREPLY=($(compgen -W "generic usr conexant cellular" -- "$cur")); return ;;
    --scenario | --trace | --control | --link | -l)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --modems | -n | --time-scale | -t | --rfc2217 | --sim-pin | --sim-puk | --registration-delay | --signal | --operator) return ;;
  esac
  COMPREPLY=($(compgen -W "--modems -n --link -l --personality -p --time-scale -t --print-default-scenario
    --trace --rfc2217 --scenario --control --sim-pin --sim-puk --registration-delay --no-registration
    --registration-denied --signal --operator --version --help" -- "$cur"))
}

complete -F _dialup dialup
complete -F _dialup_sim dialup-sim
