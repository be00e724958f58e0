using System.CommandLine;
using Zone.Host.Bench;
using Zone.Host.Cli;
using Zone.Host.Configuration;
using Zone.Host.Doctor;
using Zone.Host.Ledger;
using Zone.Host.Models;

var root = new RootCommand("zone: an actor-model runtime and simulator of an AI economic zone");
GlobalOptions.AddTo(root);
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(LedgerCommand.Create());
root.Subcommands.Add(ModelsCommand.Create());
return await root.Parse(args).InvokeAsync();
