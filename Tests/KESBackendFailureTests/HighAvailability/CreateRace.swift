import Foundation
import KESCore
import KESTestSupport
import Testing

/// Create races across instances on one shared store: for each name, every instance creates it at
/// the same moment, and then once more. Exactly one create per name may succeed cluster-wide, all
/// others must say `key already exists`; and no stored key may have been overwritten by a loser: a
/// ciphertext generated through the winner right after its create must decrypt through every
/// instance once their caches have expired (so each reads the stored key again).
struct CreateRace {
    let trio: KESTrio
    /// Names the store in the `ha:` line.
    let label: String
    /// The instances' `cache.expiry.any`.
    let expiry: Duration
    /// False for moto: its CreateSecret looks for the name and inserts it in two steps on a
    /// threaded server, so under load two creates of one name can both succeed there (the second
    /// replacing the first's value), which real Secrets Manager never allows. Such races are
    /// counted and printed, not failed; every other rule still holds.
    var storeCreatesAtomically = true

    private struct Sealed {
        let name: String
        let ciphertext: String
        let plaintext: String
    }

    func run(names count: Int) async throws {
        let clock = ContinuousClock()
        var winners = Array(repeating: 0, count: trio.clients.count)
        var problems: [String] = []
        var losers = 0
        var rightLosers = 0
        var singleWinners = 0
        var storeDoubleWins = 0
        var sealed: [Sealed] = []
        var slowest = Duration.zero
        for index in 0..<count {
            let name = "race-\(index)"
            let started = clock.now
            let first = await createEverywhere(name)
            slowest = max(slowest, clock.now - started)
            let won = first.indices.filter { first[$0].status == 200 }
            if won.count == 1 {
                singleWinners += 1
                winners[won[0]] += 1
                let generated = try await trio.clients[won[0]].generate(name)
                if generated.status == 200, let ciphertext = generated.json["ciphertext"] as? String,
                   let plaintext = generated.json["plaintext"] as? String
                {
                    sealed.append(Sealed(name: name, ciphertext: ciphertext, plaintext: plaintext))
                } else {
                    problems.append("\(name): generate through winner \(won[0]): \(generated.status) \(generated.body)")
                }
            } else if !storeCreatesAtomically && won.count > 1 {
                storeDoubleWins += 1
            } else {
                problems.append("\(name): \(won.count) creates succeeded (instances \(won))")
            }
            let second = await createEverywhere(name)
            let lost = first.filter { $0.status != 200 } + second
            for answer in lost {
                if answer.status == WireError.keyExists.status, answer.message == "key already exists" {
                    rightLosers += 1
                } else {
                    problems.append("\(name): a losing create answered \(answer.status) \(answer.message ?? "")")
                }
            }
            losers += lost.count
        }

        // Past expiry (plus one 250 ms sweep), every instance reads the stored key again.
        try await Task.sleep(for: expiry + .milliseconds(500))
        var decrypted = 0
        for key in sealed {
            for (instance, client) in trio.clients.enumerated() {
                let reply = try await client.decrypt(key.name, ciphertext: key.ciphertext)
                if reply.status == 200, (try? reply.jsonObject())?["plaintext"] as? String == key.plaintext {
                    decrypted += 1
                } else {
                    problems.append("\(key.name): decrypt through instance \(instance): \(reply.status) \(reply.body)")
                }
            }
        }
        let decrypts = sealed.count * trio.clients.count
        print(
            "ha: create-race (\(label)): \(count) names x \(2 * trio.clients.count) creates: one 200 per name \(singleWinners)/\(count), "
                + "winners by instance \(winners), losing answers 'key already exists' (\(WireError.keyExists.status)) \(rightLosers)/\(losers), "
                + "slowest race \(slowest.ms) ms, decrypt after cache expiry through every instance \(decrypted)/\(decrypts)"
                + (storeCreatesAtomically ? "" : ", names the store itself let two creates win: \(storeDoubleWins)"))
        #expect(problems.isEmpty, "\(problems.count) problems: \(problems.prefix(10))")
        #expect(sealed.count + storeDoubleWins == count)
    }

    /// Creates `name` through every instance at once.
    private func createEverywhere(_ name: String) async -> [(status: Int, message: String?)] {
        await withTaskGroup(of: (Int, Int, String?).self) { group in
            for (instance, client) in trio.clients.enumerated() {
                group.addTask {
                    do {
                        let reply = try await client.create(name)
                        return (instance, reply.status, reply.message)
                    } catch {
                        return (instance, -1, "\(error)")
                    }
                }
            }
            var answers = Array(repeating: (status: -1, message: String?.none), count: trio.clients.count)
            for await (instance, status, message) in group { answers[instance] = (status, message) }
            return answers
        }
    }
}
